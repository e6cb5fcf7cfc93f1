// Command coredns is CoreDNS with only the plugins the local real node's Corefile uses
// (hack/node/Corefile.in): building the full plugin set takes several times longer, for cloud
// DNS back ends that are never used here.
package main

import (
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/file"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/ready"
	_ "github.com/coredns/coredns/plugin/template"
)

// directives keeps the order of CoreDNS's plugin.cfg: it is the order a query meets the plugins.
var directives = []string{"bind", "ready", "errors", "cache", "template", "kubernetes", "file"}

func init() {
	dnsserver.Directives = directives
}

func main() {
	coremain.Run()
}
