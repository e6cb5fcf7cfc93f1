//go:build tools

// Package tools pins the programs the local images carry: go-httpbin (httpbin, and the "external" service of the egress checks).
package tools

import _ "github.com/mccutchen/go-httpbin/v2/cmd/go-httpbin"
