package demo

import (
	"encoding/json"
	"fmt"
)

// The JSON Schemas of the demo tools, written out by hand (draft 2020-12, the
// MCP default dialect) so that the wire shows exactly what an inspector has to
// render. go-sdk resolves them with github.com/google/jsonschema-go, validates
// arguments against them and applies top-level defaults before the handler
// runs; a validation failure comes back as a tool error (isError: true).

var echoSchema = json.RawMessage(`{
  "type": "object",
  "properties": {
    "text": {"type": "string", "description": "Text to echo back.", "minLength": 1, "maxLength": 10000},
    "uppercase": {"type": "boolean", "description": "Shout the text.", "default": false},
    "repeat": {"type": "integer", "description": "How many times to repeat it.", "minimum": 1, "maximum": 10, "default": 1}
  },
  "required": ["text"],
  "additionalProperties": false
}`)

// bookingSchema exercises the JSON Schema features a form builder has to
// handle: nesting three levels deep, arrays of objects, multiselect enums,
// enums with defaults, bounded integers and numbers, string formats, a
// nullable field, a oneOf choice, a $ref into $defs, and required/optional
// properties.
var bookingSchema = json.RawMessage(`{
  "type": "object",
  "title": "Booking request",
  "description": "Book hotel rooms (nothing is really booked).",
  "$defs": {
    "address": {
      "type": "object",
      "description": "A postal address.",
      "properties": {
        "street": {"type": "string", "minLength": 1},
        "city": {"type": "string", "minLength": 1},
        "postcode": {"type": "string", "pattern": "^[A-Za-z0-9 -]{3,10}$"},
        "country": {"type": "string", "enum": ["DE", "FR", "GB", "JP", "US"], "default": "GB"}
      },
      "required": ["street", "city"]
    }
  },
  "properties": {
    "guest": {
      "type": "object",
      "title": "Guest",
      "properties": {
        "name": {"type": "string", "title": "Full name", "minLength": 1, "maxLength": 80},
        "email": {"type": "string", "format": "email"},
        "birthDate": {"type": "string", "format": "date", "description": "Optional; for the birthday surprise."},
        "contact": {
          "type": "object",
          "title": "Contact preferences",
          "properties": {
            "channel": {"type": "string", "enum": ["email", "phone", "sms"], "default": "email"},
            "phone": {"type": "string", "pattern": "^\\+?[0-9 ]{6,20}$"},
            "quietHours": {
              "type": "object",
              "description": "Do not contact the guest between these times.",
              "properties": {
                "from": {"type": "string", "format": "time", "default": "22:00:00Z"},
                "to": {"type": "string", "format": "time", "default": "07:00:00Z"}
              }
            }
          }
        }
      },
      "required": ["name", "email"]
    },
    "checkIn": {"type": "string", "format": "date", "title": "Check-in date"},
    "nights": {"type": "integer", "minimum": 1, "maximum": 30, "default": 2},
    "rooms": {
      "type": "array",
      "minItems": 1,
      "maxItems": 4,
      "items": {
        "type": "object",
        "properties": {
          "kind": {"type": "string", "enum": ["single", "double", "suite"], "default": "double"},
          "adults": {"type": "integer", "minimum": 1, "maximum": 4, "default": 2},
          "children": {"type": "integer", "minimum": 0, "maximum": 3, "default": 0}
        },
        "required": ["kind"]
      }
    },
    "amenities": {
      "type": "array",
      "description": "Pick any number.",
      "uniqueItems": true,
      "items": {"type": "string", "enum": ["breakfast", "parking", "spa", "late-checkout", "pet"]},
      "default": ["breakfast"]
    },
    "priority": {"type": "string", "enum": ["low", "normal", "high"], "default": "normal"},
    "budget": {"type": "number", "description": "Per night, in EUR.", "exclusiveMinimum": 0, "maximum": 10000},
    "website": {"type": "string", "format": "uri", "description": "Your company's website, if any."},
    "newsletter": {"type": "boolean", "default": false},
    "notes": {"type": ["string", "null"], "maxLength": 500, "default": null, "description": "Free text, or null."},
    "payment": {
      "description": "How to pay.",
      "oneOf": [
        {
          "title": "Card",
          "type": "object",
          "properties": {
            "method": {"const": "card"},
            "last4": {"type": "string", "pattern": "^[0-9]{4}$"}
          },
          "required": ["method", "last4"]
        },
        {
          "title": "Invoice",
          "type": "object",
          "properties": {
            "method": {"const": "invoice"},
            "company": {"type": "string", "minLength": 1},
            "vatId": {"type": "string"}
          },
          "required": ["method", "company"]
        }
      ]
    },
    "billingAddress": {"$ref": "#/$defs/address"}
  },
  "required": ["guest", "checkIn", "rooms", "payment"],
  "additionalProperties": false
}`)

var deleteSchema = json.RawMessage(`{
  "type": "object",
  "properties": {
    "table": {"type": "string", "enum": ["users", "orders", "logs"]},
    "ids": {"type": "array", "items": {"type": "integer", "minimum": 1}, "minItems": 1, "maxItems": 100, "uniqueItems": true},
    "dryRun": {"type": "boolean", "default": true, "description": "Only report what would be deleted."}
  },
  "required": ["table", "ids"],
  "additionalProperties": false
}`)

func longRunningSchema(defaultMs int64) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{
  "type": "object",
  "properties": {
    "durationMs": {"type": "integer", "minimum": 0, "maximum": 600000, "default": %d, "description": "Total run time."},
    "steps": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 10, "description": "Number of progress notifications."},
    "disconnectAtStep": {"type": "integer", "minimum": 0, "maximum": 1000, "default": 0,
      "description": "2025-11-25 sessions on a resumable server only: after this step the server closes the SSE stream (sending retry: 500) and the client must resume with GET + Last-Event-ID. 0 = never."}
  },
  "additionalProperties": false
}`, defaultMs))
}

var imageSchema = json.RawMessage(`{
  "type": "object",
  "properties": {
    "pattern": {"type": "string", "enum": ["gradient", "checkerboard", "rings"], "default": "gradient"},
    "size": {"type": "integer", "minimum": 8, "maximum": 256, "default": 64, "description": "Width and height in pixels."}
  },
  "additionalProperties": false
}`)

var audioSchema = json.RawMessage(`{
  "type": "object",
  "properties": {
    "frequency": {"type": "integer", "minimum": 110, "maximum": 1760, "default": 440, "description": "Tone in Hz."},
    "durationMs": {"type": "integer", "minimum": 50, "maximum": 2000, "default": 300}
  },
  "additionalProperties": false
}`)

// weatherSchema marks city with x-mcp-header, so 2026-07-28 clients must send
// it as the Mcp-Param-City header (base64-wrapped if it is not plain ASCII).
var weatherSchema = json.RawMessage(`{
  "type": "object",
  "properties": {
    "city": {"type": "string", "minLength": 1, "maxLength": 80, "x-mcp-header": "City", "description": "Any city name."},
    "units": {"type": "string", "enum": ["metric", "imperial"], "default": "metric"},
    "days": {"type": "integer", "minimum": 1, "maximum": 7, "default": 3, "description": "Forecast length."}
  },
  "required": ["city"],
  "additionalProperties": false
}`)

// weatherOutputSchema describes the structuredContent of get_weather.
var weatherOutputSchema = json.RawMessage(`{
  "type": "object",
  "properties": {
    "city": {"type": "string"},
    "units": {"type": "string", "enum": ["metric", "imperial"]},
    "temperature": {"type": "number"},
    "condition": {"type": "string", "enum": ["sunny", "cloudy", "rain", "snow", "fog", "storm"]},
    "humidity": {"type": "integer", "minimum": 0, "maximum": 100},
    "wind": {
      "type": "object",
      "properties": {
        "speed": {"type": "number", "minimum": 0},
        "direction": {"type": "string", "enum": ["N", "NE", "E", "SE", "S", "SW", "W", "NW"]}
      },
      "required": ["speed", "direction"]
    },
    "forecast": {
      "type": "array",
      "items": {
        "type": "object",
        "properties": {
          "day": {"type": "integer", "minimum": 1},
          "high": {"type": "number"},
          "low": {"type": "number"},
          "condition": {"type": "string", "enum": ["sunny", "cloudy", "rain", "snow", "fog", "storm"]}
        },
        "required": ["day", "high", "low", "condition"]
      }
    }
  },
  "required": ["city", "units", "temperature", "condition", "humidity", "wind", "forecast"]
}`)

var emptySchema = json.RawMessage(`{"type": "object", "properties": {}, "additionalProperties": false}`)

var failSchema = json.RawMessage(`{
  "type": "object",
  "properties": {
    "message": {"type": "string", "default": "Something went wrong (on purpose)."},
    "kind": {"type": "string", "enum": ["tool", "protocol"], "default": "tool",
      "description": "tool: a result with isError true; protocol: a JSON-RPC error response."}
  },
  "additionalProperties": false
}`)

var largeTextSchema = json.RawMessage(`{
  "type": "object",
  "properties": {
    "kilobytes": {"type": "integer", "minimum": 1, "maximum": 4096, "default": 2048}
  },
  "additionalProperties": false
}`)

var logSchema = json.RawMessage(`{
  "type": "object",
  "properties": {
    "levels": {
      "type": "array",
      "uniqueItems": true,
      "items": {"type": "string", "enum": ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"]},
      "default": ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"]
    },
    "logger": {"type": "string", "default": "demo.logs"},
    "message": {"type": "string", "default": "hello from emit_logs"}
  },
  "additionalProperties": false
}`)

var askSchema = json.RawMessage(`{
  "type": "object",
  "properties": {
    "question": {"type": "string", "minLength": 1, "default": "What is the capital of France?"},
    "maxTokens": {"type": "integer", "minimum": 1, "maximum": 4096, "default": 256},
    "temperature": {"type": "number", "minimum": 0, "maximum": 2, "default": 0.7}
  },
  "additionalProperties": false
}`)

var elicitFormToolSchema = json.RawMessage(`{
  "type": "object",
  "properties": {
    "message": {"type": "string", "default": "Tell the demo server a little about yourself."}
  },
  "additionalProperties": false
}`)

// elicitFormSchema is the requestedSchema of elicit_form: flat primitives
// only (the elicitation rule), with defaults on every kind (SEP-1034) and all
// enum styles (SEP-1330): untitled, titled (oneOf const/title), legacy
// enumNames, untitled multiselect (items.enum) and titled multiselect
// (items.anyOf).
var elicitFormSchema = json.RawMessage(`{
  "type": "object",
  "properties": {
    "displayName": {"type": "string", "title": "Display name", "minLength": 1, "maxLength": 40, "default": "Ada"},
    "email": {"type": "string", "title": "Email", "format": "email"},
    "birthday": {"type": "string", "title": "Birthday", "format": "date"},
    "homepage": {"type": "string", "title": "Homepage", "format": "uri"},
    "age": {"type": "integer", "title": "Age", "minimum": 0, "maximum": 150, "default": 36},
    "rating": {"type": "number", "title": "How do you rate this demo?", "minimum": 0, "maximum": 5, "default": 4.5},
    "theme": {"type": "string", "title": "Theme", "enum": ["light", "dark", "system"], "default": "system"},
    "size": {"type": "string", "title": "T-shirt size", "oneOf": [
      {"const": "s", "title": "Small"}, {"const": "m", "title": "Medium"}, {"const": "l", "title": "Large"}
    ], "default": "m"},
    "color": {"type": "string", "title": "Favourite colour", "enum": ["red", "green", "blue"], "enumNames": ["Red", "Green", "Blue"], "default": "blue"},
    "toppings": {"type": "array", "title": "Pizza toppings", "items": {"type": "string", "enum": ["cheese", "ham", "pineapple", "olives"]}, "maxItems": 3, "default": ["cheese"]},
    "languages": {"type": "array", "title": "Languages you write", "items": {"anyOf": [
      {"const": "go", "title": "Go"}, {"const": "rust", "title": "Rust"}, {"const": "ts", "title": "TypeScript"}
    ]}, "default": ["go"]},
    "subscribe": {"type": "boolean", "title": "Subscribe to the newsletter", "default": true}
  },
  "required": ["displayName", "email"]
}`)

var elicitURLSchema = json.RawMessage(`{
  "type": "object",
  "properties": {
    "style": {"type": "string", "enum": ["request", "error"], "default": "request",
      "description": "request: an elicitation/create (or input request) in url mode; error: the 2025-11-25 -32042 URLElicitationRequired error."}
  },
  "additionalProperties": false
}`)

var extrasSchema = json.RawMessage(`{
  "type": "object",
  "properties": {
    "action": {"type": "string", "enum": ["add", "remove", "toggle"], "default": "toggle"},
    "kinds": {
      "type": "array",
      "uniqueItems": true,
      "minItems": 1,
      "items": {"type": "string", "enum": ["tool", "prompt", "resource"]},
      "default": ["tool"]
    }
  },
  "additionalProperties": false
}`)
