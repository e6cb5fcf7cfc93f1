//go:build tools

// Package tools pins Jaeger v2, the tracing addon of the real node (hack/images/jaeger.sh).
package tools

import (
	_ "github.com/jaegertracing/jaeger/cmd/jaeger"
)
