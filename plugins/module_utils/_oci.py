# -*- coding: utf-8 -*-
# Copyright: oke.istio contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one way our modules reach OCI: an SDK client from the shared OCI auth options.

``service_endpoint`` points a client at another endpoint (a private endpoint, or a local test
server); everything else is the oci SDK's own configuration handling.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.basic import env_fallback

from ansible_collections.oke.istio.plugins.module_utils._errors import ApiErrorHandler, ClusterError, ValidationError

try:
    import oci

    HAS_OCI = True
    OCI_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - reported by the module
    HAS_OCI = False
    OCI_IMPORT_ERROR = exc

OCI_AUTH_ARG_SPEC = dict(
    oci_auth_type=dict(
        type="str",
        default="api_key",
        choices=["api_key", "instance_principal", "resource_principal"],
        fallback=(env_fallback, ["OCI_CLI_AUTH"]),
    ),
    oci_config_file=dict(type="path", default="~/.oci/config", fallback=(env_fallback, ["OCI_CONFIG_FILE", "OCI_CLI_CONFIG_FILE"])),
    oci_profile=dict(type="str", default="DEFAULT", fallback=(env_fallback, ["OCI_CLI_PROFILE"])),
    oci_region=dict(type="str", fallback=(env_fallback, ["OCI_REGION", "OCI_CLI_REGION"])),
    oci_service_endpoint=dict(type="str"),
)


def oci_auth_params(params):
    return dict((key, params.get(key)) for key in OCI_AUTH_ARG_SPEC)


def oci_client(client_class, auth):
    """Build ``client_class`` (e.g. ``oci.container_engine.ContainerEngineClient``) from ``auth``."""
    auth_type = auth.get("oci_auth_type") or "api_key"
    kwargs = {}
    if auth.get("oci_service_endpoint"):
        kwargs["service_endpoint"] = auth["oci_service_endpoint"]
    try:
        if auth_type == "api_key":
            config = oci.config.from_file(auth.get("oci_config_file") or "~/.oci/config", auth.get("oci_profile") or "DEFAULT")
            if auth.get("oci_region"):
                config["region"] = auth["oci_region"]
            oci.config.validate_config(config)
            return client_class(config, **kwargs)
        if auth_type == "instance_principal":
            signer = oci.auth.signers.InstancePrincipalsSecurityTokenSigner()
        else:
            signer = oci.auth.signers.get_resource_principals_signer()
        config = {"region": auth.get("oci_region") or signer.region}
        return client_class(config, signer=signer, **kwargs)
    except oci.exceptions.ConfigFileNotFound as exc:
        raise ValidationError("oci_config_file: %s" % exc)
    except oci.exceptions.ProfileNotFound as exc:
        raise ValidationError("oci_profile: %s" % exc)
    except (oci.exceptions.InvalidConfig, oci.exceptions.InvalidKeyFilePath, oci.exceptions.MissingPrivateKeyPassphrase) as exc:
        raise ValidationError("The OCI configuration (oci_config_file/oci_profile) is not usable: %s" % exc)
    except Exception as exc:  # the signers raise plain exceptions when no metadata service answers
        raise ClusterError("Failed to authenticate to OCI with oci_auth_type=%s: %s" % (auth_type, exc))


def service_error_message(exc):
    """One line for an ``oci.exceptions.ServiceError``."""
    return "%s %s: %s (opc-request-id %s)" % (
        getattr(exc, "status", "?"),
        getattr(exc, "code", "?"),
        getattr(exc, "message", exc),
        getattr(exc, "request_id", "?"),
    )


# OCI answers 404 (and 401) alike for what does not exist and for what the caller may not see.
IAM_HINT = (
    " (404/401 from OCI means the object does not exist or the OCI user/principal lacks the IAM policy to read it, "
    "e.g. 'allow group ... to read clusters in compartment ...')"
)


class OciErrors(ApiErrorHandler):
    """The one place an OCI API error becomes a message: ``Failed to <operation>: 404 NotAuthorizedOrNotFound: ...
    (opc-request-id ...)``, with the IAM hint on 401/404 (see ApiErrorHandler for how it is used)."""

    exceptions = (oci.exceptions.ServiceError, oci.exceptions.RequestException) if HAS_OCI else ()

    @staticmethod
    def reason(exc):
        if not hasattr(exc, "status"):
            return "the endpoint could not be reached: %s" % exc
        return service_error_message(exc) + (IAM_HINT if exc.status in (401, 404) else "")

    @staticmethod
    def is_missing(exc):
        return getattr(exc, "status", None) == 404
