//go:build tools

// Package tools pins Istio's source: istioctl, and for the local real node istiod (pilot-discovery)
// and the sidecar agent (pilot-agent), all built from the same istio.io/istio pseudo-version.
package tools

import (
	_ "istio.io/istio/istioctl/cmd/istioctl"
	_ "istio.io/istio/pilot/cmd/pilot-agent"
	_ "istio.io/istio/pilot/cmd/pilot-discovery"
)
