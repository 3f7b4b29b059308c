"""apps/payments/client.py leans on two internals of wechatpayv3 (pinned in pyproject.toml):
WeChatPayClient sets the attributes WeChatPay.__init__ would, and GatewayCore overrides the
`_gate_way` that Core.__init__ assigns and every request is sent to. An SDK upgrade that
changes either fails here, before a payment goes to the wrong address."""

import ast
import inspect
import textwrap
from collections.abc import Callable
from importlib.metadata import version

from wechatpayv3 import WeChatPay
from wechatpayv3.core import Core

from apps.payments.client import WeChatPayClient


def attributes_set_by(function: Callable[..., object]) -> set[str]:
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    return {
        target.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Attribute)
        and isinstance(target.value, ast.Name)
        and target.value.id == "self"
    }


def test_the_client_sets_every_attribute_the_sdk_constructor_sets() -> None:
    assert attributes_set_by(WeChatPayClient.__init__) == attributes_set_by(WeChatPay.__init__)


def test_requests_go_to_the_gateway_attribute_that_gateway_core_overrides() -> None:
    assert "_gate_way" in attributes_set_by(Core.__init__)
    assert "self._gate_way + path" in inspect.getsource(Core.request)


def test_the_sdk_is_the_version_these_internals_were_read_from() -> None:
    assert version("wechatpayv3") == "2.0.4"
