#!/usr/bin/env python3
"""Deterministic CloudTrail-like NDJSON generator for spelunk's benchmarks.

    python3 bench/gen_cloudtrail.py --records 1000000 --seed 1 > events.ndjson

Records are ~1.2 KB, shaped like real CloudTrail management events: ~200
principals (IAM users, assumed roles, root, AWS services), ~300 event names,
~30% of records with sessionContext.attributes.mfaAuthenticated "false", ~10%
without sessionContext. eventTime increases with the record number at one
second resolution (so many records share a timestamp), as in an exported
trail. The same --records/--seed always gives the same bytes.
"""

import argparse
import json
import random
import sys
from datetime import datetime, timedelta, timezone

SERVICES = [
    "ec2", "s3", "iam", "sts", "lambda", "kms", "cloudtrail", "ssm", "ecr",
    "ecs", "rds", "dynamodb", "sns", "sqs", "logs", "monitoring", "route53",
    "elasticloadbalancing", "autoscaling", "secretsmanager",
]
VERBS = [
    "Describe", "List", "Get", "Create", "Delete", "Update", "Put", "Attach",
    "Detach", "Start", "Stop", "Modify", "Tag", "Untag", "Run",
]
NOUNS = [
    "Instances", "Buckets", "Users", "Roles", "Policy", "Keys", "Trails",
    "Parameters", "Images", "Services", "Clusters", "Tables", "Topics",
    "Queues", "LogGroups", "Alarms", "Records", "Secrets", "Volumes",
    "SecurityGroups",
]
REGIONS = ["us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2"]
AGENTS = [
    "AWS Internal",
    "aws-cli/2.15.10 Python/3.11.6 Linux/5.15 exe/x86_64.amzn.2",
    "Boto3/1.34.50 Python/3.12.2 Linux/6.1 Botocore/1.34.50",
    "aws-sdk-go-v2/1.25.2 os/linux lang/go#1.22.0 md/GOOS#linux",
    "Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0",
    "[S3Console/0.4, aws-internal/3 aws-sdk-java/1.12.660]",
]
ACCOUNT = "111122223333"


def principals(rng):
    out = []
    for i in range(200):
        kind = rng.choices(["IAMUser", "AssumedRole", "Root", "AWSService"], [70, 22, 2, 6])[0]
        name = f"user{i:03d}" if kind == "IAMUser" else f"role{i:03d}"
        out.append((kind, name))
    return out


def event_names(rng):
    names = sorted({f"{v}{n}" for v in VERBS for n in NOUNS})
    rng.shuffle(names)
    return [(rng.choice(SERVICES), n) for n in names[:300]]


def identity(rng, kind, name, i):
    if kind == "AWSService":
        return {"type": "AWSService", "invokedBy": "cloudtrail.amazonaws.com"}
    ident = {
        "type": kind,
        "principalId": f"AIDA{name.upper()}EXAMPLE{i % 97:02d}",
        "accountId": ACCOUNT,
        "accessKeyId": f"ASIA{name.upper()}{rng.randrange(10**6):06d}",
    }
    if kind == "IAMUser":
        ident["arn"] = f"arn:aws:iam::{ACCOUNT}:user/{name}"
        ident["userName"] = name
    elif kind == "Root":
        ident["arn"] = f"arn:aws:iam::{ACCOUNT}:root"
    else:
        ident["arn"] = f"arn:aws:sts::{ACCOUNT}:assumed-role/{name}/session-{rng.randrange(50)}"
    # ~10% of all records have no sessionContext; ~30% say mfa "false".
    roll = rng.random()
    if roll < 0.10:
        return ident
    mfa = "false" if roll < 0.43 else "true"
    issuer = {}
    if kind == "AssumedRole":
        issuer = {
            "type": "Role",
            "principalId": f"AROA{name.upper()}",
            "arn": f"arn:aws:iam::{ACCOUNT}:role/{name}",
            "accountId": ACCOUNT,
            "userName": name,
        }
    ident["sessionContext"] = {
        "sessionIssuer": issuer,
        "webIdFederationData": {},
        "attributes": {"creationDate": "2024-03-04T08:55:12Z", "mfaAuthenticated": mfa},
    }
    return ident


def record(rng, i, start, people, names):
    kind, name = people[rng.randrange(len(people))]
    service, event_name = names[rng.randrange(len(names))]
    when = start + timedelta(seconds=i // 3)
    read_only = event_name.startswith(("Describe", "List", "Get"))
    rec = {
        "eventVersion": "1.09",
        "userIdentity": identity(rng, kind, name, i),
        "eventTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventSource": f"{service}.amazonaws.com",
        "eventName": event_name,
        "awsRegion": rng.choice(REGIONS),
        "sourceIPAddress": f"{rng.randrange(1, 224)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
        "userAgent": rng.choice(AGENTS),
        "requestParameters": {
            "resourceName": f"{service}-resource-{rng.randrange(10**5):05d}",
            "filterSet": {"items": [{"name": "tag:team", "valueSet": {"items": [{"value": f"team-{rng.randrange(40)}"}]}}]},
            "maxResults": rng.randrange(1, 1000),
        },
        "responseElements": None if read_only else {"requestId": f"{rng.getrandbits(64):016x}", "return": True},
        "requestID": f"{rng.getrandbits(32):08x}-{rng.getrandbits(16):04x}-4{rng.getrandbits(12):03x}-{rng.getrandbits(16):04x}-{rng.getrandbits(48):012x}",
        "eventID": f"{rng.getrandbits(32):08x}-{rng.getrandbits(16):04x}-4{rng.getrandbits(12):03x}-{rng.getrandbits(16):04x}-{rng.getrandbits(48):012x}",
        "readOnly": read_only,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": ACCOUNT,
        "eventCategory": "Management",
        "tlsDetails": {
            "tlsVersion": "TLSv1.3",
            "cipherSuite": "TLS_AES_128_GCM_SHA256",
            "clientProvidedHostHeader": f"{service}.{rng.choice(REGIONS)}.amazonaws.com",
        },
    }
    if rng.random() < 0.05:
        rec["errorCode"] = "AccessDenied"
        rec["errorMessage"] = f"User is not authorized to perform: {service}:{event_name}"
    return rec


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    people = principals(rng)
    names = event_names(rng)
    start = datetime(2024, 3, 1, tzinfo=timezone.utc)
    out = sys.stdout
    dumps = json.JSONEncoder(separators=(", ", ": ")).encode
    buf = []
    for i in range(args.records):
        buf.append(dumps(record(rng, i, start, people, names)))
        if len(buf) >= 10000:
            out.write("\n".join(buf) + "\n")
            buf = []
    if buf:
        out.write("\n".join(buf) + "\n")


if __name__ == "__main__":
    main()
