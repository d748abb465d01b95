// Command sonde is a terminal inspector for MCP servers.
package main

func main() {}
