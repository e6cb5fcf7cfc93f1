//go:build tools

// Package tools pins Prometheus, the metrics addon of the real node (hack/images/prometheus.sh).
package tools

import (
	_ "github.com/prometheus/prometheus/cmd/prometheus"
)
