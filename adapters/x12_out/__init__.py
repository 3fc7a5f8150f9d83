"""Outbound X12 built from canonical events: pure functions, events + partner settings → bytes.

    settings = PartnerSettings(partner="acme", sender=Party("02", "ABCD"), receiver=Party("ZZ", "ACME"))
    build_214(status_events, settings, next_control_number)        # shipment.status → 214
    build_990(tender_responses, settings, next_control_number)     # tender.response → 990

Every interchange is decoded with the reader before it is returned: output that the reader's guide
refuses raises OutboundError instead of reaching a partner.
"""

from adapters.x12_out.settings import NextControlNumber, OutboundError, PartnerSettings
from adapters.x12_out.status214 import build_214
from adapters.x12_out.tender990 import build_990

__all__ = ["NextControlNumber", "OutboundError", "PartnerSettings", "build_214", "build_990"]
