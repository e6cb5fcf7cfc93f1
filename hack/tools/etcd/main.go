// Command etcd is etcd's own entry point (the etcd repository's main.go), built from the
// published server module: the repository's root module carries replace directives and
// cannot be built with `go install`.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
