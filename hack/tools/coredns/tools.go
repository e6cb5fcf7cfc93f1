//go:build tools

// Package tools pins CoreDNS, the cluster DNS of the local real node.
package tools

import _ "github.com/coredns/coredns"
