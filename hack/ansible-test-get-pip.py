# -*- coding: utf-8 -*-
# Stand-in for the get-pip.py bootstrap script that `ansible-test --venv` downloads from a host
# this environment cannot reach (ansible-test reads it from ~/.ansible/test/cache/get_pip_X_Y.py).
# It bootstraps pip with the interpreter's own ensurepip, then installs the packages ansible-test
# asks for (pip at its pinned version, setuptools, wheel) from the configured package index.
import ensurepip
import os
import subprocess
import sys

# get-pip.py's own options; pip install does not know them.
GET_PIP_ONLY = {"--no-setuptools", "--no-wheel"}

# ensurepip hides the pip configuration (index, certificates) from the process: keep it for the install.
environment = dict(os.environ)
ensurepip.bootstrap(upgrade=True)
arguments = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY]
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install"] + arguments, env=environment))
