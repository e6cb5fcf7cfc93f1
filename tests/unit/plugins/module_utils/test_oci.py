# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""OciErrors: the one way an OCI API error becomes a message."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import oci
import pytest

from ansible_collections.oke.istio.plugins.module_utils._errors import ClusterError, ValidationError
from ansible_collections.oke.istio.plugins.module_utils._oci import OciErrors


def service_error(status, code="NotAuthorizedOrNotFound", message="Authorization failed or requested resource not found."):
    return oci.exceptions.ServiceError(status, code, {"opc-request-id": "req-1"}, message)


def test_a_refusal_says_what_was_being_done_with_the_request_id_and_the_iam_hint():
    with pytest.raises(ClusterError) as err:
        with OciErrors("read cluster c1 through the OKE API"):
            raise service_error(404)
    assert err.value.msg.startswith("Failed to read cluster c1 through the OKE API: 404 NotAuthorizedOrNotFound: "
                                    "Authorization failed or requested resource not found. (opc-request-id req-1) (404/401 from OCI")


def test_a_server_error_has_no_iam_hint():
    with pytest.raises(ClusterError) as err:
        with OciErrors("create log group"):
            raise service_error(500, "InternalServerError", "boom")
    assert err.value.msg == "Failed to create log group: 500 InternalServerError: boom (opc-request-id req-1)"


def test_a_404_on_a_named_input_is_that_inputs_bad_value():
    with pytest.raises(ValidationError) as err:
        with OciErrors("list log groups", not_found=("compartment_id", "ocid1.compartment.oc1..x")):
            raise service_error(404)
    assert err.value.msg.startswith("compartment_id: ocid1.compartment.oc1..x not found: 404 NotAuthorizedOrNotFound")


def test_an_unreachable_endpoint_is_named():
    with pytest.raises(ClusterError) as err:
        with OciErrors("read APM domain d1"):
            raise oci.exceptions.RequestException("connection refused")
    assert err.value.msg == "Failed to read APM domain d1: the endpoint could not be reached: connection refused"


def test_as_a_decorator_a_missing_object_can_be_an_answer():
    @OciErrors("read add-on {name}", missing=None)
    def read(name):
        raise service_error(404)

    assert read("Istio") is None
