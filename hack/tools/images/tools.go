//go:build tools

// Package tools pins the programs the local images carry: go-httpbin (httpbin, and the "external" service of the egress checks)
// and fortio (the load client of the circuit-breaker check).
package tools

import (
	_ "fortio.org/fortio"
	_ "github.com/mccutchen/go-httpbin/v2/cmd/go-httpbin"
)
