package schema

import (
	"strings"

	"github.com/sonde-mcp/sonde/termsafe"
)

// Sanitize makes an untrusted string (a title, description or enum label
// sent by a server) safe to draw in a terminal: [termsafe.Text] (escape
// sequences, C0 and C1 controls, DEL and bidi controls removed, invalid
// UTF-8 replaced), with tabs turned into spaces.
func Sanitize(s string) string {
	// One sanitiser for all of sonde (termsafe); forms want tabs as spaces.
	return strings.ReplaceAll(termsafe.Text(s), "\t", " ")
}

// SanitizeLine is [Sanitize] for text that must stay on one line (labels,
// enum values): runs of whitespace including newlines collapse to a single
// space and the result is trimmed.
func SanitizeLine(s string) string {
	return strings.Join(strings.Fields(Sanitize(s)), " ")
}
