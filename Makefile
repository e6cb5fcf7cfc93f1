# The two commands of the README:
#   make main   set up the local environment and run playbooks/site.yml (against $KUBECONFIG when set)
#   make test   the whole test suite: unit, sanity, lint, Molecule against a real local control plane
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
ROOT := $(shell pwd)
# A failing install-tools.sh stops the target with its own message.
WITH_TOOLS = env_file=$$($(ROOT)/hack/install-tools.sh) && source "$$env_file" &&

.PHONY: main test tools unit sanity lint molecule integration build

tools:
	@$(ROOT)/hack/install-tools.sh >/dev/null

main:
	@$(ROOT)/hack/run-main.sh

test: unit sanity lint molecule integration

unit:
	@$(WITH_TOOLS) $(ROOT)/hack/with-collection.sh pytest -q -p no:cacheprovider tests/unit

# ansible-test --venv bootstraps pip with a script from a host outside the reachable registries;
# hack/ansible-test-get-pip.py stands in for it (see the comment inside).
PIP_BOOTSTRAP := $(HOME)/.ansible/test/cache/get_pip_24_2.py

sanity:
	@mkdir -p $(dir $(PIP_BOOTSTRAP)) && cp $(ROOT)/hack/ansible-test-get-pip.py $(PIP_BOOTSTRAP)
	@$(WITH_TOOLS) $(ROOT)/hack/with-collection.sh ansible-test sanity --venv --python 3.11 --color no

# ansible-lint installs the collection it lints into $$ANSIBLE_HOME once per version and reads that copy first:
# a home of its own, emptied each run, so it lints this tree and not an earlier one (nor leaves one in ~/.ansible).
LINT_HOME := $(ROOT)/.cache/ansible-lint-home

lint:
	@rm -rf $(LINT_HOME)
	@$(WITH_TOOLS) ANSIBLE_HOME=$(LINT_HOME) $(ROOT)/hack/with-collection.sh ansible-lint --offline roles playbooks
	@$(WITH_TOOLS) $(ROOT)/hack/with-collection.sh antsibull-docs lint-collection-docs --plugin-docs .

molecule:
	@$(WITH_TOOLS) $(ROOT)/hack/with-collection.sh molecule test --all

build:
	@$(WITH_TOOLS) ansible-galaxy collection build --force --output-path $(ROOT)/.cache/dist $(ROOT)

integration:
	@$(WITH_TOOLS) $(ROOT)/hack/with-collection.sh pytest -q -p no:cacheprovider tests/integration
