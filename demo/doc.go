// Package demo is sonde's built-in demo MCP server and a set of test
// servers, built on the official go-sdk (github.com/modelcontextprotocol/go-sdk
// v1.8.0) and served over real loopback HTTP so that the whole wire path is
// visible to an inspector.
//
// [Start] serves the demo server ([NewServer]) on 127.0.0.1 with Streamable
// HTTP at [Running.URL] (/mcp) and legacy HTTP+SSE at [Running.SSEURL]
// (/sse) on the same listener. [Serve] does the same for any server, such as
// the escape-sequence fixture in internal/hostile. By default the Streamable
// endpoint serves both protocol eras (see [Era]): 2026-07-28 requests go to
// a stateless go-sdk handler, everything else to a stateful one.
//
// # Tools
//
//   - echo: echo text (read-only, idempotent, closed-world annotations).
//   - create_booking: the rich input schema (nesting, arrays of objects,
//     multiselect and defaulted enums, bounds, formats, nullable, oneOf, $ref).
//   - delete_records: destructive + idempotent annotations; deletes nothing.
//   - long_running: progress notifications with messages and totals over a
//     configurable duration, log messages, cancellation; optional SSE
//     disconnect for resumption tests.
//   - get_image: a PNG drawn in memory (image/png).
//   - get_audio: a WAV sine tone (audio/wav).
//   - get_weather: structuredContent conforming to its outputSchema; its city
//     argument carries x-mcp-header.
//   - get_resource_links: resource_link blocks plus embedded text and blob
//     resources.
//   - always_fails: isError: true, or a JSON-RPC error with kind=protocol.
//   - large_text: one ~2 MB text block.
//   - emit_logs: notifications/message at the chosen levels.
//   - ask_llm: sampling (sampling/createMessage).
//   - elicit_form: form elicitation with defaults and every enum style.
//   - elicit_url: URL elicitation; the URL is a landing page on the same
//     listener whose visit completes it (and, in 2025-11-25, sends
//     notifications/elicitation/complete); style=error gives -32042.
//   - list_roots: roots/list.
//   - ping_client: a server-to-client ping (legacy eras only).
//   - manage_extras: adds/removes the tool and prompt "surprise" and the
//     resource demo://extras/surprise, firing the list_changed notifications.
//
// ask_llm, elicit_form, elicit_url and list_roots return multi round-trip
// input requests (SEP-2322): 2026-07-28 clients receive an input_required
// result with an HMAC-signed requestState, and go-sdk turns them into real
// server-to-client requests for legacy clients. Every tools/call is also
// logged at debug level (logger "demo.calls").
//
// # Resources, templates and prompts
//
// Resources: demo://readme.md (markdown), demo://config/settings.json (JSON),
// demo://notes/plain.txt (Unicode text), demo://images/logo.png (PNG blob),
// demo://binary/random.bin (octet-stream blob) and demo://live/clock, which
// changes every [Options.TickInterval] and sends
// notifications/resources/updated to subscribers. Templates:
// demo://weather/{city} and demo://docs/{section}/{page}, whose {page}
// completions depend on {section} in the completion context.
//
// Prompts: summarize (text required; style and language optional, with
// completions), code_review (language and code required, focus optional;
// embeds a resource), plan_trip (country required; city completions depend
// on country; days has 365 completions so the result sets hasMore) and
// welcome (no arguments; text, image, resource link and embedded resource).
package demo
