# The two commands of the README:
#   make main   set up the local environment and run playbooks/site.yml (against $KUBECONFIG when set)
#   make test   the whole test suite: unit, sanity, lint, Molecule against a real local control plane
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
ROOT := $(shell pwd)
ENV_FILE = $(shell $(ROOT)/hack/install-tools.sh)
WITH_TOOLS = source $(ENV_FILE) &&

.PHONY: main test tools unit sanity lint molecule build clean-clusters

tools:
	@$(ROOT)/hack/install-tools.sh >/dev/null

main:
	@$(ROOT)/hack/run-main.sh

test: unit sanity lint molecule

unit:
	@$(WITH_TOOLS) $(ROOT)/hack/with-collection.sh pytest -q -p no:cacheprovider tests/unit

sanity:
	@$(WITH_TOOLS) $(ROOT)/hack/with-collection.sh ansible-test sanity --venv --python 3.11 --color no

lint:
	@$(WITH_TOOLS) $(ROOT)/hack/with-collection.sh ansible-lint --offline roles playbooks

molecule:
	@$(WITH_TOOLS) $(ROOT)/hack/with-collection.sh molecule test -s default

build:
	@$(WITH_TOOLS) ansible-galaxy collection build --force --output-path $(ROOT)/.cache/dist $(ROOT)
