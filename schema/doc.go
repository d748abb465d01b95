// Package schema is sonde's JSON Schema layer, free of any UI code.
//
//   - [Compile] and [Schema.Validate] check tool arguments, elicitation
//     answers and structuredContent against a schema, offline: nothing is
//     fetched, remote $refs are refused, and size, depth and evaluation
//     cost are bounded because schemas come from untrusted servers.
//   - [Walk] and [Schema.Root] turn a schema into a lazy tree of [Node]s,
//     one per form field, with $ref, allOf, nullable and enum forms
//     normalised.
//   - [SchemaForPromptArgs] and [SchemaForTemplate] give prompts and
//     resource templates a schema, so they reuse the same form.
//   - [Sanitize] makes server-provided text safe to draw.
package schema
