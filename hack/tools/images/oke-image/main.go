// Command oke-image writes a container image archive from layer directories and tarballs, with no
// daemon and no registry, for `ctr images import`. Layers and config go through
// go-containerregistry, so the archive is what a registry client would have written.
//
//	oke-image --out OUT.tar --ref NAME[:TAG] [--ref ...] --layer DIR|TAR [--layer ...]
//	          [--entrypoint JSON] [--cmd JSON] [--env K=V ...] [--workdir DIR] [--user U]
//	          [--expose PORT[/PROTO] ...]
package main

import (
	"archive/tar"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(v string) error { *l = append(*l, v); return nil }

const defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

func main() {
	var refs, layers, env, expose list
	out := flag.String("out", "", "archive to write")
	entrypoint := flag.String("entrypoint", "", "entrypoint as a JSON array")
	cmd := flag.String("cmd", "", "command as a JSON array")
	workdir := flag.String("workdir", "", "working directory")
	user := flag.String("user", "", "user (uid or uid:gid)")
	flag.Var(&refs, "ref", "image reference (repeatable)")
	flag.Var(&layers, "layer", "layer directory or tarball, bottom first (repeatable)")
	flag.Var(&env, "env", "environment variable K=V (repeatable)")
	flag.Var(&expose, "expose", "exposed port PORT or PORT/PROTO, tcp when no PROTO (repeatable)")
	flag.Parse()
	if err := build(*out, refs, layers, env, expose, *entrypoint, *cmd, *workdir, *user); err != nil {
		fmt.Fprintf(os.Stderr, "oke-image: %v\n", err)
		os.Exit(1)
	}
}

func build(out string, refs, layers, env, expose []string, entrypoint, cmd, workdir, user string) error {
	if out == "" || len(refs) == 0 || len(layers) == 0 {
		return fmt.Errorf("--out, --ref and --layer are required")
	}
	cfg := v1.Config{Env: append([]string{defaultPath}, env...), WorkingDir: workdir, User: user}
	for _, field := range []struct {
		flag, value string
		into        *[]string
	}{{"--entrypoint", entrypoint, &cfg.Entrypoint}, {"--cmd", cmd, &cfg.Cmd}} {
		if field.value != "" {
			if err := json.Unmarshal([]byte(field.value), field.into); err != nil {
				return fmt.Errorf("%s %q is not a JSON array of strings: %v", field.flag, field.value, err)
			}
		}
	}
	for _, port := range expose {
		number, proto, _ := strings.Cut(port, "/")
		if proto == "" {
			proto = "tcp"
		}
		n, err := strconv.Atoi(number)
		if err != nil || n < 1 || n > 65535 || (proto != "tcp" && proto != "udp" && proto != "sctp") {
			return fmt.Errorf("--expose %q is not PORT or PORT/tcp|udp|sctp", port)
		}
		if cfg.ExposedPorts == nil {
			cfg.ExposedPorts = map[string]struct{}{}
		}
		cfg.ExposedPorts[strconv.Itoa(n)+"/"+proto] = struct{}{}
	}
	tmp, err := os.MkdirTemp(filepath.Dir(out), ".oke-image-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	img := empty.Image
	for i, src := range layers {
		path, err := layerTar(src, filepath.Join(tmp, fmt.Sprintf("layer-%d.tar", i)))
		if err != nil {
			return fmt.Errorf("--layer %s: %v", src, err)
		}
		layer, err := tarball.LayerFromFile(path, tarball.WithCompressionLevel(gzip.BestSpeed))
		if err != nil {
			return fmt.Errorf("--layer %s: %v", src, err)
		}
		if img, err = mutate.AppendLayers(img, layer); err != nil {
			return err
		}
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return err
	}
	cf = cf.DeepCopy()
	cf.Architecture, cf.OS, cf.Config = "amd64", "linux", cfg
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		return err
	}
	tagged := map[name.Reference]v1.Image{}
	for _, r := range refs {
		tag, err := name.NewTag(r)
		if err != nil {
			return fmt.Errorf("--ref %q: %v", r, err)
		}
		tagged[tag] = img
	}
	partial := out + ".partial"
	if err := tarball.MultiRefWriteToFile(partial, tagged); err != nil {
		return err
	}
	return os.Rename(partial, out)
}

// layerTar returns a tarball for src: src itself when it is one, else a tar of the directory
// written in lexical order with the files' own owners and modes.
func layerTar(src, dest string) (string, error) {
	info, err := os.Stat(src)
	if err != nil {
		return "", err
	}
	if !info.IsDir() {
		return src, nil
	}
	f, err := os.Create(dest)
	if err != nil {
		return "", err
	}
	defer f.Close()
	tw := tar.NewWriter(f)
	err = filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil || path == src {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		link := ""
		if fi.Mode()&fs.ModeSymlink != 0 {
			if link, err = os.Readlink(path); err != nil {
				return err
			}
		}
		hdr, err := tar.FileInfoHeader(fi, link)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		hdr.Name = "./" + filepath.ToSlash(rel)
		if d.IsDir() {
			hdr.Name += "/"
		}
		hdr.Uname, hdr.Gname = "", ""
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			hdr.Uid, hdr.Gid = int(st.Uid), int(st.Gid)
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if fi.Mode().IsRegular() {
			r, err := os.Open(path)
			if err != nil {
				return err
			}
			defer r.Close()
			_, err = io.Copy(tw, r)
			return err
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	if err := tw.Close(); err != nil {
		return "", err
	}
	return dest, nil
}
