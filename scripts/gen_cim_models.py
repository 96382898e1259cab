#!/usr/bin/env python3
"""Writes spelunk's bundled CIM data models as Splunk data-model JSON.

    python3 scripts/gen_cim_models.py            # rewrite props/cim/default/data/models/*.json
    python3 scripts/gen_cim_models.py --check    # exit 1 if a file differs from what it would write

The models are written in Splunk's own data-model JSON format (the shape of
an app's `default/data/models/<Model>.json`: `modelName`, `objects[]` with
`objectName`, `parentName`, `fields[]`, `calculations[]`, `constraints[]` or a
`baseSearch` for BaseSearch roots), so that spelunk reads its bundled models
exactly as it reads a user's installed Splunk_SA_CIM.

Where the facts come from (see props/cim/README.md for the per-model notes):
- object trees, the tags each data set selects, field names: the CIM manual's
  data-model reference pages and splunk/pytest-splunk-addon
  `pytest_splunk_addon/data_models/*.json` (Apache-2.0);
- which fields the CIM app fills with "unknown" when an event lacks them, the
  constraint searches, field types and multivalue flags, the Eval/Rex/Lookup
  calculations: read as facts from the CIM app (Splunk_SA_CIM 4.20, as
  shipped in pytest-splunk-addon's deps/apps); every expression here is
  written for spelunk from those facts;
- Risk (a Splunk Enterprise Security model): the fields security_content's
  detections read from it, and ES's risk index.

The spec below is spelunk's own notation: a field list is a string of
`name[:type][*]` words (`*` multivalue; type string unless given), and
`unknown("a b")` is the CIM's "fill with unknown when null or empty" Eval.
"""

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "props" / "cim" / "default" / "data" / "models"

# Fields Splunk Enterprise Security's asset and identity correlation adds to
# every data set that names the entity (the CIM lists them on each data set).
def ident(*prefixes, av=False, expected=False):
    words = []
    for p in prefixes:
        words += [f"{p}_bunit", f"{p}_category*", f"{p}_priority"]
        if av:
            words += [
                f"{p}_requires_av:boolean",
                f"{p}_should_timesync:boolean",
                f"{p}_should_update:boolean",
            ]
        if expected and p == "dest":
            words.append(f"{p}_is_expected:boolean")
    return " ".join(words)


# --- calculations -----------------------------------------------------------


def unknown(names, blank_dash=False):
    """The CIM's default for a field an event lacks or leaves empty: "unknown"
    (Web also treats "-", the access-log placeholder, as empty)."""
    out = []
    for word in names.split():
        name = word.rstrip("*")
        dash = f' OR {name}="-"' if blank_dash else ""
        out.append(
            (
                "Eval",
                f'if(isnull({name}) OR {name}=""{dash},"unknown",{name})',
                word,
            )
        )
    return out


def evalc(output, expr):
    return [("Eval", expr, output)]


def rex(input_field, output, expr):
    return [("Rex", expr, output, input_field)]


def lookup(name, inputs, outputs):
    return [("Lookup", name, inputs, outputs)]


def numeric_or(name, default):
    """A port-like number: the event's value when numeric, else `default`."""
    return evalc(f"{name}:number", f"if(isnum({name}),{name},{default})")


def first_token(name, full):
    """A process name: the event's own, else the first word of its command
    line, else "unknown"."""
    return evalc(
        name,
        f'case(isnotnull({name}) AND {name}!="",{name},'
        f'isnotnull({full}) AND {full}!="",replace({full},"^\\s*([^\\s]+).*","\\1"),'
        f'1=1,"unknown")',
    )


def total_of(total, part_a, part_b):
    """bytes = bytes_in + bytes_out and its two inverses, each only when the
    event does not give the field itself."""
    return (
        evalc(
            f"{total}:number",
            f"case(isnum({total}),{total},isnum({part_a}) AND isnum({part_b}),"
            f"{part_a}+{part_b},1=1,null())",
        )
        + evalc(
            f"{part_a}:number",
            f"case(isnum({part_a}),{part_a},isnum({total}) AND isnum({part_b}),"
            f"{total}-{part_b},1=1,null())",
        )
        + evalc(
            f"{part_b}:number",
            f"case(isnum({part_b}),{part_b},isnum({total}) AND isnum({part_a}),"
            f"{total}-{part_a},1=1,null())",
        )
    )


def count_of(count, values):
    """A count field: the event's own, else how many values the list holds,
    else 1."""
    return evalc(
        f"{count}:number",
        f"case(isnum({count}),{count},isnotnull({values}),mvcount({values}),1=1,1)",
    )


def app_or_sourcetype():
    return evalc("app", 'if(isnull(app) OR app="",sourcetype,app)')


def vendor_product():
    """vendor_product: the event's own, else "vendor product" from the two
    fields (either may be "unknown"), else the sourcetype."""
    known_v = 'isnotnull(vendor) AND vendor!="unknown"'
    known_p = 'isnotnull(product) AND product!="unknown"'
    return evalc(
        "vendor_product",
        "case(isnotnull(vendor_product),vendor_product,"
        f'{known_v} AND {known_p},vendor." ".product,'
        f'{known_v} AND (isnull(product) OR product="unknown"),vendor." unknown",'
        f'(isnull(vendor) OR vendor="unknown") AND {known_p},"unknown ".product,'
        'isnotnull(sourcetype),sourcetype,1=1,"unknown")',
    )


def domain_of(input_field, output):
    """The host part of a URL (no scheme-less match, as the CIM defines it)."""
    return rex(
        input_field,
        output,
        "^(?:http|https|ftp):\\/\\/(?:[a-zA-Z0-9\\.\\-]+(?::[a-zA-Z0-9]+)?@)?"
        f"(?<{output}>[^\\/:]+)(?::[0-9]+)?",
    )


def email_domain(input_field, output):
    return rex(input_field, output, f"^.*@(?<{output}>.+)$")


# --- models -----------------------------------------------------------------


def obj(name, parent, tags, search, fields="", calcs=(), display=None, base_search=False):
    return {
        "name": name,
        "parent": parent,
        "tags": tags.split(),
        "search": search,
        "fields": fields,
        "calcs": [c for group in calcs for c in group],
        "display": display or name.replace("_", " "),
        "base_search": base_search,
    }


ENDPOINT_DEST = ident("dest", av=True, expected=True)

MODELS = {}

MODELS["Endpoint"] = (
    "Endpoint",
    [
        obj(
            "Ports",
            "BaseSearch",
            "listening port",
            '(`cim_Endpoint_indexes`) tag=listening tag=port | eval transport=if(isnull(transport) OR transport="","unknown",transport),'
            'dest_port=if(isnull(dest_port) OR dest_port="",0,dest_port),transport_dest_port=mvzip(transport,dest_port,"/") '
            "| mvexpand transport_dest_port",
            "creation_time:timestamp dest_port:number process_guid process_id state "
            "tag* transport transport_dest_port "
            + ident("dest", av=True)
            + " "
            + ident("src", av=True)
            + " "
            + ident("user"),
            [
                unknown("src"),
                numeric_or("src_port", 0),
                unknown("dest user"),
                vendor_product(),
            ],
            base_search=True,
        ),
        # The CIM app makes Processes a BaseSearch whose search ends in
        # `| eval process_integrity_level=lower(process_integrity_level)`;
        # here it is the same filter as an event data set with that Eval as
        # its first calculation, which gives the same fields (spelunk's
        # lowering takes a base search as a filter only).
        obj(
            "Processes",
            "BaseEvent",
            "process report",
            "(`cim_Endpoint_indexes`) tag=process tag=report",
            "action cpu_load_percent:number mem_used:number os parent_process_exec "
            "parent_process_id:number parent_process_guid parent_process_path "
            "process_current_directory process_exec process_hash* process_guid "
            "process_id:number process_path tag* user_id "
            + ENDPOINT_DEST
            + " "
            + ident("user"),
            [
                evalc("process_integrity_level", "lower(process_integrity_level)"),
                unknown("dest original_file_name parent_process"),
                first_token("parent_process_name", "parent_process"),
                unknown("process"),
                first_token("process_name", "process"),
                unknown("user"),
                vendor_product(),
            ],
        ),
        obj(
            "Services",
            "BaseSearch",
            "service report",
            "(`cim_Endpoint_indexes`) tag=service tag=report",
            "description process_guid process_id service_dll service_dll_path "
            "service_dll_hash* service_dll_signature_exists:boolean "
            "service_dll_signature_verified:boolean service_exec service_hash* "
            "service_path service_signature_exists:boolean "
            "service_signature_verified:boolean tag* "
            + ENDPOINT_DEST
            + " "
            + ident("user"),
            [
                unknown("dest service service_name service_id start_mode status user"),
                vendor_product(),
            ],
            base_search=True,
        ),
        obj(
            "Filesystem",
            "BaseSearch",
            "endpoint filesystem",
            "(`cim_Endpoint_indexes`) tag=endpoint tag=filesystem",
            "file_access_time:timestamp file_create_time:timestamp "
            "file_modify_time:timestamp process_guid process_id tag* "
            + ident("dest", av=True)
            + " "
            + ident("user"),
            [
                unknown("action dest file_hash file_name file_path file_acl"),
                evalc("file_size:number", "if(isnum(file_size),file_size,null())"),
                unknown("user"),
                vendor_product(),
            ],
            base_search=True,
        ),
        obj(
            "Registry",
            "BaseSearch",
            "endpoint registry",
            "(`cim_Endpoint_indexes`) tag=endpoint tag=registry",
            "process_guid process_id registry_hive registry_value_text status tag* "
            + ident("dest", av=True)
            + " "
            + ident("user"),
            [
                unknown(
                    "action dest registry_path registry_key_name registry_value_data "
                    "registry_value_name registry_value_type user"
                ),
                vendor_product(),
            ],
            base_search=True,
        ),
    ],
)

MODELS["Network_Traffic"] = (
    "Network Traffic",
    [
        obj(
            "All_Traffic",
            "BaseEvent",
            "network communicate",
            "(`cim_Network_Traffic_indexes`) tag=network tag=communicate",
            "app channel:number dest_interface dest_ip dest_mac dest_translated_ip "
            "dest_translated_port:number dest_zone direction duration:number dvc_ip "
            "dvc_mac dvc_zone flow_id icmp_code icmp_type:number process_id protocol "
            "protocol_version response_time:number session_id src_interface src_ip "
            "src_mac src_translated_ip src_translated_port:number src_zone ssid tag* "
            "tcp_flag* tos ttl:number vlan* wifi* vendor_account "
            + ident("dest", "dvc", "src", "user"),
            [
                unknown("action"),
                total_of("bytes", "bytes_in", "bytes_out"),
                unknown("dest"),
                numeric_or("dest_port", 0),
                unknown("dvc"),
                total_of("packets", "packets_in", "packets_out"),
                unknown("rule src"),
                numeric_or("src_port", 0),
                evalc(
                    "transport",
                    'if(isnull(transport) OR transport="","unknown",lower(transport))',
                ),
                unknown("user"),
                vendor_product(),
            ],
        ),
        obj("Traffic_By_Action", "All_Traffic", "network communicate", "action=*"),
        obj("Allowed_Traffic", "Traffic_By_Action", "network communicate", "action=allowed"),
        obj("Blocked_Traffic", "Traffic_By_Action", "network communicate", "action=blocked"),
    ],
)

MODELS["Web"] = (
    "Web",
    [
        obj(
            "Web",
            "BaseEvent",
            "web",
            "(`cim_Web_indexes`) tag=web",
            "app cached:boolean category cookie dest_port:number duration:number "
            "response_time:number site tag* uri_path uri_query "
            + ident("dest", "src", "user"),
            [
                unknown("action"),
                total_of("bytes", "bytes_in", "bytes_out"),
                unknown("dest http_content_type http_method http_referrer", blank_dash=True),
                domain_of("http_referrer", "http_referrer_domain"),
                unknown("http_user_agent", blank_dash=True),
                evalc("http_user_agent_length:number", "len(http_user_agent)"),
                unknown("src status url", blank_dash=True),
                domain_of("url", "url_domain"),
                evalc("url_length:number", "len(url)"),
                unknown("user"),
                vendor_product(),
            ],
        ),
        obj("Proxy", "Web", "web proxy", "tag=proxy"),
        obj("Storage", "Web", "web storage", "tag=storage", "storage_name operation error_code"),
    ],
)

MODELS["Change"] = (
    "Change",
    [
        obj(
            "All_Changes",
            "BaseEvent",
            "change",
            "(`cim_Change_indexes`) tag=change NOT (object_category=file OR object_category=directory OR object_category=registry)",
            "tag* user_agent user_type vendor_account vendor_region "
            + ident("dest", "src", "user"),
            [
                unknown("change_type"),
                # Splunk's own audit trail names the command by its operation
                # and object.
                evalc(
                    "command",
                    'if(isnull(command) OR command="","unknown",'
                    'if(sourcetype=="audittrail",Operation." ".ObjectName,command))',
                ),
                unknown(
                    "dest dvc object object_attrs* object_category object_id "
                    "object_path status"
                ),
                evalc(
                    "result",
                    'if(isnotnull(result) AND result!="",result,'
                    'if(isnotnull(signature) AND signature!="",signature,"unknown"))',
                ),
                evalc(
                    "result_id",
                    'if(isnotnull(result_id) AND result_id!="",result_id,'
                    'if(isnotnull(signature_id) AND signature_id!="",signature_id,-1))',
                ),
                unknown("src user user_name"),
                vendor_product(),
                unknown("action"),
            ],
        ),
        obj("Auditing_Changes", "All_Changes", "change audit", "tag=audit"),
        obj("Endpoint_Changes", "All_Changes", "change endpoint", "tag=endpoint"),
        obj(
            "Endpoint_Restarts",
            "Endpoint_Changes",
            "change endpoint",
            "action=modified change_type=restart",
        ),
        obj(
            "Other_Endpoint_Changes",
            "Endpoint_Changes",
            "change endpoint",
            "NOT change_type=restart",
        ),
        obj(
            "Network_Changes",
            "All_Changes",
            "change network",
            "tag=network",
            "dest_ip_range* dest_port_range* direction* protocol* rule_action* "
            "src_ip_range* src_port_range*",
        ),
        obj(
            "Device_Restarts",
            "Network_Changes",
            "change network",
            "action=modified change_type=restart",
        ),
        obj(
            "Account_Management",
            "All_Changes",
            "change account",
            "tag=account",
            ident("src_user") + " src_user_type",
            [unknown("dest_nt_domain src_nt_domain src_user src_user_name")],
        ),
        obj(
            "Accounts_Created",
            "Account_Management",
            "change account",
            'action="created"',
            display="Created Accounts",
        ),
        obj(
            "Accounts_Deleted",
            "Account_Management",
            "change account",
            'action="deleted"',
            display="Deleted Accounts",
        ),
        obj(
            "Account_Lockouts",
            "Account_Management",
            "change account",
            'result="lockout"',
            display="Locked Accounts",
        ),
        obj(
            "Accounts_Updated",
            "Account_Management",
            "change account",
            'action="updated" OR action="modified"',
            display="Updated Accounts",
        ),
        obj(
            "Instance_Changes",
            "All_Changes",
            "change instance",
            "tag=instance",
            "",
            [unknown("image_id instance_type")],
        ),
    ],
)

_AUTH_CHILDREN = [
    ("Failed_Authentication", "Authentication", "authentication", 'action="failure"'),
    ("Successful_Authentication", "Authentication", "authentication", 'action="success"'),
    ("Default_Authentication", "Authentication", "authentication default", 'tag="default"'),
    (
        "Failed_Default_Authentication",
        "Default_Authentication",
        "authentication default",
        'action="failure"',
    ),
    (
        "Successful_Default_Authentication",
        "Default_Authentication",
        "authentication default",
        'action="success"',
    ),
    (
        "Insecure_Authentication",
        "Authentication",
        "authentication insecure",
        'tag="insecure" OR tag="cleartext"',
    ),
    (
        "Privileged_Authentication",
        "Authentication",
        "authentication privileged",
        'tag="privileged"',
    ),
    (
        "Failed_Privileged_Authentication",
        "Privileged_Authentication",
        "authentication privileged",
        'action="failure"',
    ),
    (
        "Successful_Privileged_Authentication",
        "Privileged_Authentication",
        "authentication privileged",
        'action="success"',
    ),
]

MODELS["Authentication"] = (
    "Authentication",
    [
        obj(
            "Authentication",
            "BaseEvent",
            "authentication",
            # A computer account ($-suffixed user) signing on is not counted.
            "(`cim_Authentication_indexes`) tag=authentication NOT (action=success user=*$)",
            "authentication_method* authentication_service dest_nt_domain "
            "duration:number reason response_time:number signature signature_id "
            "src_nt_domain src_user_id src_user_role src_user_type tag* user_agent "
            "user_id user_role user_type vendor_account "
            + ident("dest", "src", "src_user", "user"),
            [
                unknown("action"),
                app_or_sourcetype(),
                unknown("src src_user dest user"),
            ],
        ),
    ]
    + [obj(n, p, t, s) for (n, p, t, s) in _AUTH_CHILDREN],
)

MODELS["Network_Resolution"] = (
    "Network Resolution (DNS)",
    [
        obj(
            "DNS",
            "BaseEvent",
            "network resolution dns",
            "(`cim_Network_Resolution_indexes`) tag=network tag=resolution tag=dns",
            "additional_answer_count:number authority_answer_count:number "
            "dest_port:number duration:number name query_type record_type "
            "response_time:number src src_port:number* tag* transport "
            "transaction_id:number ttl:number " + ident("dest", "src"),
            [
                unknown("answer*"),
                count_of("answer_count", "answer"),
                unknown("dest message_type query*"),
                count_of("query_count", "query"),
                evalc(
                    "reply_code_id",
                    'case(isnotnull(reply_code_id) AND reply_code_id!="",reply_code_id,'
                    'isnotnull(reply_code) AND reply_code!="",reply_code,1=1,"unknown")',
                ),
                lookup(
                    "cim_dns_reply_code_lookup",
                    [("reply_code_id", "reply_code_id")],
                    [("reply_code", "reply_code")],
                ),
                vendor_product(),
            ],
        ),
    ],
)

MODELS["Email"] = (
    "Email",
    [
        obj(
            "All_Email",
            "BaseEvent",
            "email",
            "(`cim_Email_indexes`) tag=email",
            "delay:number duration:number file_hash file_name file_size:number "
            "internal_message_id message_id message_info orig_dest orig_recipient* "
            "orig_src protocol process process_id:number recipient_status* "
            "response_time:number retries:number return_addr size:number status_code "
            "subject tag* url* user xdelay xref "
            + ident("dest", "src", "src_user", "user"),
            [
                unknown("action dest src recipient*"),
                email_domain("recipient", "recipient_domain"),
                count_of("recipient_count", "recipient"),
                unknown("src_user"),
                email_domain("src_user", "src_user_domain"),
                vendor_product(),
            ],
        ),
        obj("Delivery", "All_Email", "email delivery", "tag=delivery", display="Email Delivery"),
        obj("Content", "All_Email", "email content", "tag=content", display="Email Content"),
        obj(
            "Filtering",
            "All_Email",
            "email filter",
            "tag=filter",
            "filter_action filter_score:number signature signature_extra signature_id",
            display="Email Filtering",
        ),
    ],
)

MODELS["Intrusion_Detection"] = (
    "Intrusion Detection",
    [
        obj(
            "IDS_Attacks",
            "BaseEvent",
            "ids attack",
            "(`cim_Intrusion_Detection_indexes`) tag=ids tag=attack",
            "action dest_port:number file_hash file_name file_path severity_id "
            "signature_id src_port:number* transport tag* "
            + ident("dest", "dvc", "src", "user"),
            [
                unknown("dvc ids_type category signature severity src dest user"),
                vendor_product(),
            ],
            display="IDS Attacks",
        ),
        obj(
            "Application_IDS_Attacks",
            "IDS_Attacks",
            "ids attack",
            'ids_type="application"',
            display="Application Intrusion Detection",
        ),
        obj(
            "Host_IDS_Attacks",
            "IDS_Attacks",
            "ids attack",
            'ids_type="host"',
            display="Host Intrusion Detection",
        ),
        obj(
            "Network_IDS_Attacks",
            "IDS_Attacks",
            "ids attack",
            'ids_type="network"',
            display="Network Intrusion Detection",
        ),
    ],
)

MODELS["Certificates"] = (
    "Certificates",
    [
        obj(
            "All_Certificates",
            "BaseEvent",
            "certificate",
            "(`cim_Certificates_indexes`) tag=certificate",
            "dest dest_port:number duration:number response_time:number src "
            "src_port:number tag* transport " + ident("dest", "src"),
        ),
        obj(
            "SSL",
            "All_Certificates",
            "certificate ssl",
            "(tag=ssl OR tag=tls)",
            "ssl_end_time:timestamp ssl_engine ssl_issuer_email ssl_issuer_locality "
            "ssl_issuer_state ssl_issuer_organization ssl_issuer_unit ssl_issuer_street "
            "ssl_name ssl_policies ssl_publickey ssl_publickey_algorithm ssl_serial "
            "ssl_session_id ssl_signature_algorithm ssl_start_time:timestamp "
            "ssl_subject_email ssl_subject_locality ssl_subject_state "
            "ssl_subject_organization ssl_subject_unit ssl_subject_street ssl_version",
            [
                unknown("ssl_hash* ssl_issuer ssl_issuer_common_name"),
                email_domain("ssl_issuer_email", "ssl_issuer_email_domain"),
                unknown("ssl_subject ssl_subject_common_name"),
                email_domain("ssl_subject_email", "ssl_subject_email_domain"),
                evalc(
                    "ssl_validity_window:number",
                    "if(isnum(ssl_end_time) AND isnum(ssl_start_time),"
                    "ssl_end_time-ssl_start_time,null())",
                ),
                # True/false spelled any way, else whether _time falls in the
                # certificate's validity window.
                evalc(
                    "ssl_is_valid:boolean",
                    'case(match(ssl_is_valid, "^(1|[Tt]|[Tt][Rr][Uu][Ee])$"),1,'
                    'match(ssl_is_valid, "^(0|[Ff]|[Ff][Aa][Ll][Ss][Ee])$"),0,'
                    "isnum(ssl_end_time) AND isnum(ssl_start_time) AND "
                    "_time>=ssl_start_time AND _time<=ssl_end_time,1,"
                    "isnum(ssl_end_time) AND isnum(ssl_start_time),0,1=1,null())",
                ),
            ],
            display="Transport Layer Security",
        ),
    ],
)

MODELS["Network_Sessions"] = (
    "Network Sessions",
    [
        obj(
            "All_Sessions",
            "BaseEvent",
            "network session",
            "(`cim_Network_Sessions_indexes`) tag=network tag=session",
            "action duration:number response_time:number signature signature_id "
            "src_dns src_ip src_mac src_nt_host tag* " + ident("dest", "src", "user"),
            [
                # Splunk Stream's DHCP records name the leased address yiaddr
                # and the client's hardware address chaddr.
                evalc(
                    "dest_ip",
                    'case(source LIKE "stream%" AND isnotnull(yiaddr) AND yiaddr!="",yiaddr,'
                    'isnull(dest_ip) OR dest_ip="","unknown",1=1,dest_ip)',
                ),
                evalc(
                    "dest_mac",
                    'case(source LIKE "stream%" AND isnotnull(chaddr) AND chaddr!="",chaddr,'
                    'isnull(dest_mac) OR dest_mac="","unknown",1=1,dest_mac)',
                ),
                unknown("dest_nt_host dest_dns user"),
                vendor_product(),
            ],
        ),
        obj("Session_Start", "All_Sessions", "network session start", "tag=start"),
        obj("Session_End", "All_Sessions", "network session end", "tag=end"),
        obj(
            "DHCP",
            "All_Sessions",
            "network session dhcp",
            "tag=dhcp",
            "lease_duration:number lease_scope",
        ),
        obj("VPN", "All_Sessions", "network session vpn", "tag=vpn"),
    ],
)

MODELS["Updates"] = (
    "Updates",
    [
        obj(
            "Updates",
            "BaseEvent",
            "update status",
            "(`cim_Updates_indexes`) tag=update tag=status",
            "dest_should_update:boolean dvc file_name file_hash severity severity_id "
            "tag* " + ident("dest"),
            [
                unknown("dest"),
                evalc(
                    "signature*",
                    'case(isnotnull(signature) AND signature!="",signature,'
                    'isnotnull(signature_id) AND signature_id!="" AND signature_id!="unknown",'
                    'signature_id,1=1,"unknown")',
                ),
                evalc(
                    "signature_id*",
                    'case(isnotnull(signature_id) AND signature_id!="",signature_id,'
                    'isnotnull(signature) AND signature!="" AND signature!="unknown",'
                    'signature,1=1,"unknown")',
                ),
                unknown("status"),
                vendor_product(),
            ],
        ),
        obj("Available_Updates", "Updates", "update status", 'status="available"'),
        obj("Installed_Updates", "Updates", "update status", 'status="installed"'),
        obj(
            "Restart_Required_Updates",
            "Updates",
            "update status",
            'status="restart_required"',
            display="Updates Requiring Restart",
        ),
        obj(
            "Update_Errors",
            "BaseSearch",
            "update error",
            "(`cim_Updates_indexes`) tag=update tag=error",
            "_time:timestamp host source sourcetype",
            base_search=True,
        ),
    ],
)

MODELS["Alerts"] = (
    "Alerts",
    [
        obj(
            "Alerts",
            "BaseEvent",
            "alert",
            "(`cim_Alerts_indexes`) tag=alert",
            "body description dest_type id mitre_technique_id* severity_id signature "
            "src_type subject tag* vendor_account vendor_region "
            + ident("dest", "src", "user"),
            [
                app_or_sourcetype(),
                unknown("dest severity signature_id src type user user_name"),
            ],
        ),
    ],
)

# Splunk Enterprise Security's Risk model: risk events (written to the risk
# index by ES's risk-based alerting) with the risk object, its score and the
# detection's annotations. Fields are those ES documents for risk events and
# those security_content's Risk detections read.
MODELS["Risk"] = (
    "Risk Analysis",
    [
        obj(
            "All_Risk",
            "BaseEvent",
            "",
            "index=risk",
            "risk_object risk_object_type risk_score:number calculated_risk_score:number "
            "risk_message risk_modifier_count:number search_name "
            "savedsearch_description analyticstories* threat_object* "
            "threat_object_type* tag* "
            "normalized_risk_object annotations.mitre_attack.mitre_tactic* "
            "annotations.mitre_attack.mitre_tactic_id* "
            "annotations.mitre_attack.mitre_technique* "
            "annotations.mitre_attack.mitre_technique_id* "
            "annotations.kill_chain_phases* annotations.cis20* annotations.nist* "
            "annotations._all* annotations._frameworks* "
            "risk_object_bunit risk_object_category* risk_object_priority",
            display="All Risk",
        ),
    ],
)

DESCRIPTIONS = {"Risk": "Risk Analysis Data Model (Splunk Enterprise Security)"}


# --- JSON -------------------------------------------------------------------


def parse_field(word):
    multivalue = word.endswith("*")
    word = word.rstrip("*")
    name, _, ftype = word.partition(":")
    return name, ftype or "string", multivalue


def field_json(word, owner):
    name, ftype, multivalue = parse_field(word)
    return {
        "fieldName": name,
        "owner": owner,
        "type": ftype,
        "fieldSearch": "",
        "required": False,
        "multivalue": multivalue,
        "hidden": False,
        "displayName": name,
    }


def calc_json(calc, owner, index):
    kind = calc[0]
    base = {"calculationID": f"{owner}_{index}", "owner": owner}
    if kind == "Eval":
        _, expr, output = calc
        return {
            **base,
            "calculationType": "Eval",
            "expression": expr,
            "outputFields": [field_json(output, owner)],
        }
    if kind == "Rex":
        _, expr, output, input_field = calc
        return {
            **base,
            "calculationType": "Rex",
            "inputField": input_field,
            "expression": expr,
            "outputFields": [field_json(output, owner)],
        }
    if kind == "Lookup":
        _, name, inputs, outputs = calc
        outs = []
        for field, lookup_field in outputs:
            f = field_json(field, owner)
            f["lookupOutputFieldName"] = lookup_field
            outs.append(f)
        return {
            **base,
            "calculationType": "Lookup",
            "lookupName": name,
            "lookupInputs": [{"inputField": i, "lookupField": l} for i, l in inputs],
            "outputFields": outs,
        }
    raise ValueError(f"unknown calculation kind {kind}")


def model_json(model, display, objects):
    by_name = {o["name"]: o for o in objects}
    out = []
    for o in objects:
        lineage = [o["name"]]
        parent = o["parent"]
        while parent in by_name:
            lineage.insert(0, parent)
            parent = by_name[parent]["parent"]
        entry = {
            "objectName": o["name"],
            "displayName": o["display"],
            "parentName": o["parent"],
            "comment": {"tags": o["tags"]},
            "lineage": ".".join(lineage),
            "fields": [field_json(w, o["name"]) for w in o["fields"].split()],
            "calculations": [calc_json(c, o["name"], i) for i, c in enumerate(o["calcs"])],
            "children": [c["name"] for c in objects if c["parent"] == o["name"]],
        }
        if o["base_search"]:
            entry["baseSearch"] = o["search"]
            entry["constraints"] = []
        else:
            entry["constraints"] = [{"search": o["search"], "owner": o["name"]}]
        out.append(entry)
    check_unique(model, out)
    return {
        "modelName": model,
        "displayName": display,
        "description": DESCRIPTIONS.get(model, f"{model} Data Model"),
        "editable": False,
        "objects": out,
    }


def check_unique(model, objects):
    """A field is defined once along a lineage (an object and its parents)."""
    names = {}
    by_name = {o["objectName"]: o for o in objects}
    for o in objects:
        own = [f["fieldName"] for f in o["fields"]] + [
            f["fieldName"] for c in o["calculations"] for f in c["outputFields"]
        ]
        names[o["objectName"]] = own
    for o in objects:
        seen = {}
        node = o
        while node is not None:
            for n in names[node["objectName"]]:
                if n in seen and seen[n] != node["objectName"]:
                    raise SystemExit(f"{model}: {n} defined by {seen[n]} and {node['objectName']}")
                seen[n] = node["objectName"]
            node = by_name.get(node["parentName"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare instead of writing")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    differs = []
    for model, (display, objects) in MODELS.items():
        text = json.dumps(model_json(model, display, objects), indent=2) + "\n"
        path = OUT / f"{model}.json"
        if args.check:
            if not path.is_file() or path.read_text() != text:
                differs.append(path)
        else:
            path.write_text(text)
    if differs:
        for p in differs:
            print(f"{p}: differs from scripts/gen_cim_models.py", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
