from tests.payments.conftest import sandbox

__all__ = ["sandbox"]
