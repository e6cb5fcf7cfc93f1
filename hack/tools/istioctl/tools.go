//go:build tools

// Package tools pins istioctl's source so `go build istio.io/istio/istioctl/cmd/istioctl` is reproducible.
package tools

import _ "istio.io/istio/istioctl/cmd/istioctl"
