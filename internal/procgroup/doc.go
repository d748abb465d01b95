// Package procgroup starts a child in a process group of its own and
// signals that group, the one place where this differs between Unix and
// Windows. The stdio transport and the stdio tap both run a server this way,
// so that a Ctrl+C meant for sonde does not reach the server and shutdown
// reaches what the server started.
package procgroup
