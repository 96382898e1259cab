#!/usr/bin/env python3
"""Writes tests/data/geoip-test.mmdb: a tiny synthetic GeoIP2-City database
for the iplocation cases (MaxMind's own databases cannot be redistributed).
Every network is a documentation/test range (RFC 5737, RFC 3849), and every
record is made up. Needs: pip install mmdb-writer netaddr.
Usage: scripts/make_test_geoip.py [OUT]"""
import sys
from netaddr import IPSet
from mmdb_writer import MMDBWriter, MmdbU16, MmdbF64

out = sys.argv[1] if len(sys.argv) > 1 else "tests/data/geoip-test.mmdb"
w = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoIP2-City",
               languages=["en", "de"], description="spelunk synthetic test data")

def names(en, de=None):
    n = {"en": en}
    if de:
        n["de"] = de
    return {"names": n}

# A full city record.
w.insert_network(IPSet(["192.0.2.0/24"]), {
    "city": names("Springfield"),
    "continent": {"code": "NA", **names("North America", "Nordamerika")},
    "country": {"iso_code": "US", **names("United States", "USA")},
    "subdivisions": [{"iso_code": "IL", **names("Illinois")}],
    "location": {"latitude": MmdbF64(39.7817), "longitude": MmdbF64(-89.6501),
                 "metro_code": MmdbU16(648), "time_zone": "America/Chicago"},
})
# Country only: City and Region are empty.
w.insert_network(IPSet(["198.51.100.0/24"]), {
    "continent": {"code": "EU", **names("Europe", "Europa")},
    "country": {"iso_code": "DE", **names("Germany", "Deutschland")},
    "location": {"latitude": MmdbF64(51.5), "longitude": MmdbF64(10.5),
                 "time_zone": "Europe/Berlin"},
})
# IPv6.
w.insert_network(IPSet(["2001:db8::/32"]), {
    "city": names("Paris"),
    "continent": {"code": "EU", **names("Europe", "Europa")},
    "country": {"iso_code": "FR", **names("France", "Frankreich")},
    "subdivisions": [{"iso_code": "IDF", **names("Ile-de-France")}],
    "location": {"latitude": MmdbF64(48.8566), "longitude": MmdbF64(2.3522),
                 "time_zone": "Europe/Paris"},
})
w.to_db_file(out)
print(f"wrote {out}")
