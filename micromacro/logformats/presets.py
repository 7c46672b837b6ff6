"""The built-in formats of load balancers, proxies, CDNs and application servers (the Common
Log Format family is in ``clf``, W3C and CloudFront in ``w3c``, JSON lines in ``jsonlines``).

Each family is defined beside its formats: AWS (``alb``, ``elb``, ``s3``) in ``aws``, HAProxy
in ``haproxy``, Bunny CDN in ``cdn``, Nginx Proxy Manager (``npm``, ``npm_standard``) in
``nginx_proxy_manager``, Envoy and Istio in ``envoy``, uWSGI in ``uwsgi``.
"""

from __future__ import annotations

from micromacro.logformats.aws import (
    ALB,
    ALB_ANY,
    ALB_CONNECTION,
    ALB_FAMILY,
    ELB,
    ELB_ANY,
    ELB_FAMILY,
    ELB_TCP,
    NLB_TLS,
    S3,
    S3_FAMILY,
    S3_INTERNAL,
)
from micromacro.logformats.cdn import BUNNY, BUNNY_FAMILY
from micromacro.logformats.envoy import ENVOY, ENVOY_FAMILY, ENVOY_TCP, ISTIO
from micromacro.logformats.families import Family
from micromacro.logformats.haproxy import (
    HAPROXY,
    HAPROXY_ANY,
    HAPROXY_CONNECT,
    HAPROXY_FAMILY,
    HAPROXY_TCP,
)
from micromacro.logformats.nginx_proxy_manager import NPM, NPM_FAMILY, NPM_STANDARD
from micromacro.logformats.uwsgi import UWSGI, UWSGI_FAMILY

__all__ = [
    "ALB",
    "ALB_ANY",
    "ALB_CONNECTION",
    "ALB_FAMILY",
    "BUNNY",
    "BUNNY_FAMILY",
    "ELB",
    "ELB_ANY",
    "ELB_FAMILY",
    "ELB_TCP",
    "ENVOY",
    "ENVOY_FAMILY",
    "ENVOY_TCP",
    "HAPROXY",
    "HAPROXY_ANY",
    "HAPROXY_CONNECT",
    "HAPROXY_FAMILY",
    "HAPROXY_TCP",
    "ISTIO",
    "LB_FAMILIES",
    "NLB_TLS",
    "NPM",
    "NPM_FAMILY",
    "NPM_STANDARD",
    "S3",
    "S3_FAMILY",
    "S3_INTERNAL",
    "UWSGI",
    "UWSGI_FAMILY",
]

# The load balancer, proxy, CDN and application server families, in the order auto-detection
# prefers them.
LB_FAMILIES: tuple[Family, ...] = (
    ALB_FAMILY,
    ELB_FAMILY,
    HAPROXY_FAMILY,
    S3_FAMILY,
    BUNNY_FAMILY,
    NPM_FAMILY,
    ENVOY_FAMILY,
    UWSGI_FAMILY,
)
