"""Open311 GeoReport v2 shapes (http://wiki.open311.org/GeoReport_v2), field names as the spec has them.

JSON is the spec's programmatic mapping of its XML; the XML element names of each list are in
`XML_NAMES` (root element, item element) and nested lists in `XML_ITEM` (plural -> singular).
"""
from __future__ import annotations

from pydantic import BaseModel, Field

SPEC_URL = "http://wiki.open311.org/GeoReport_v2"


class Service(BaseModel):
    service_code: str  # "<kind>-<4-digit class code>", e.g. "event-0102", "component-0101"
    service_name: str
    description: str
    metadata: bool
    type: str = "realtime"  # we answer POST with the case number at once
    keywords: str
    group: str


class AttributeValue(BaseModel):
    key: str
    name: str


class Attribute(BaseModel):
    variable: bool = True
    code: str
    datatype: str  # string | number | datetime | text | singlevaluelist | multivaluelist
    required: bool = False
    datatype_description: str | None = None
    order: int
    description: str
    values: list[AttributeValue] = Field(default_factory=list)


class ServiceDefinition(BaseModel):
    service_code: str
    attributes: list[Attribute] = Field(default_factory=list)


class PostedRequest(BaseModel):
    service_request_id: str
    service_notice: str | None = None
    account_id: str | None = None


class ServiceRequest(BaseModel):
    service_request_id: str
    status: str  # open | closed
    status_notes: str | None = None
    service_name: str | None = None
    service_code: str
    description: str | None = None
    agency_responsible: str | None = None
    service_notice: str | None = None
    requested_datetime: str  # ISO 8601 with offset
    updated_datetime: str
    expected_datetime: str | None = None
    address: str | None = None
    address_id: str | None = None
    zipcode: str | None = None
    lat: float
    long: float
    media_url: str | None = None


class Error(BaseModel):
    code: int
    description: str


class Endpoint(BaseModel):
    specification: str = SPEC_URL
    url: str
    changeset: str
    type: str = "production"
    formats: list[str] = Field(default_factory=lambda: ["text/xml", "application/json"])


class Discovery(BaseModel):
    changeset: str
    contact: str
    key_service: str
    endpoints: list[Endpoint]


# (root element, item element) of each top-level list; single objects have item None.
XML_NAMES: dict[str, tuple[str, str | None]] = {
    "services": ("services", "service"),
    "service_definition": ("service_definition", None),
    "service_requests": ("service_requests", "request"),
    "errors": ("errors", "error"),
    "discovery": ("discovery", None),
}
XML_ITEM = {"attributes": "attribute", "values": "value", "endpoints": "endpoint", "formats": "format"}
