#!/usr/bin/env python3
"""Generates Windows XML events (XmlWinEventLog) for bench/xml.sh.

One `<Event xmlns=...>...</Event>` per line, as the Windows forwarder writes
them with renderXml = true: Sysmon process creation (1), network connection
(3) and process access (10), and Security logon (4624) and process creation
(4688). The shapes follow the attack_data datasets; the values are made up
from a seeded random generator, so a run is repeatable.

    python3 bench/gen_xml.py --records 100000 --seed 1 > events.xml
"""

import argparse
import random
from datetime import datetime, timedelta, timezone

NS = "http://schemas.microsoft.com/win/2004/08/events/event"
SYSMON = ("Microsoft-Windows-Sysmon", "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}",
          "Microsoft-Windows-Sysmon/Operational")
SECURITY = ("Microsoft-Windows-Security-Auditing", "{54849625-5478-4994-A5BA-3E3B0328C30D}",
            "Security")
IMAGES = [r"C:\Windows\System32\cmd.exe", r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe",
          r"C:\Windows\System32\rundll32.exe", r"C:\Windows\System32\svchost.exe",
          r"C:\Program Files\Mozilla Firefox\firefox.exe", r"C:\Windows\explorer.exe",
          r"C:\Windows\System32\wbem\WmiPrvSE.exe", r"C:\Windows\System32\reg.exe"]
USERS = ["ATTACKRANGE\\Administrator", "NT AUTHORITY\\SYSTEM", "ATTACKRANGE\\alice", "ATTACKRANGE\\bob"]
HOSTS = ["win-dc-1.attackrange.local", "win-host-17.attackrange.local", "ws-042.corp.example.com"]


def guid(rng):
    return "{%08X-%04X-%04X-%04X-%012X}" % (
        rng.getrandbits(32), rng.getrandbits(16), rng.getrandbits(16),
        rng.getrandbits(16), rng.getrandbits(48))


def data(pairs):
    return "".join(f"<Data Name='{k}'>{v}</Data>" for k, v in pairs)


def system(rng, provider, event_id, version, task, when, record, host, user_sid=None):
    name, pguid, channel = provider
    stamp = when.strftime("%Y-%m-%dT%H:%M:%S.") + "%07d00Z" % rng.randrange(10_000_000)
    security = f"<Security UserID='{user_sid}'/>" if user_sid else "<Security/>"
    return (f"<System><Provider Name='{name}' Guid='{pguid}'/><EventID>{event_id}</EventID>"
            f"<Version>{version}</Version><Level>4</Level><Task>{task}</Task><Opcode>0</Opcode>"
            f"<Keywords>0x8000000000000000</Keywords><TimeCreated SystemTime='{stamp}'/>"
            f"<EventRecordID>{record}</EventRecordID><Correlation/>"
            f"<Execution ProcessID='{rng.randrange(100, 9000)}' ThreadID='{rng.randrange(100, 9000)}'/>"
            f"<Channel>{channel}</Channel><Computer>{host}</Computer>{security}</System>")


def sysmon_event(rng, code, when, record, host):
    utc = when.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    image = rng.choice(IMAGES)
    parent = rng.choice(IMAGES)
    if code == 1:
        cmd = f"\"{image}\" /c whoami &amp; echo {rng.randrange(10**6)}"
        pairs = [("RuleName", "-"), ("UtcTime", utc), ("ProcessGuid", guid(rng)),
                 ("ProcessId", rng.randrange(100, 9000)), ("Image", image),
                 ("FileVersion", "10.0.17763.1"), ("Description", "Windows Command Processor"),
                 ("Product", "Microsoft® Windows® Operating System"),
                 ("Company", "Microsoft Corporation"), ("OriginalFileName", image.rsplit("\\", 1)[1]),
                 ("CommandLine", cmd), ("CurrentDirectory", "C:\\Windows\\system32\\"),
                 ("User", rng.choice(USERS)), ("LogonGuid", guid(rng)),
                 ("LogonId", hex(rng.getrandbits(24))), ("TerminalSessionId", 0),
                 ("IntegrityLevel", "High"),
                 ("Hashes", "SHA1=%040X,MD5=%032X" % (rng.getrandbits(160), rng.getrandbits(128))),
                 ("ParentProcessGuid", guid(rng)), ("ParentProcessId", rng.randrange(100, 9000)),
                 ("ParentImage", parent), ("ParentCommandLine", f"\"{parent}\"")]
        task, version = 1, 5
    elif code == 3:
        pairs = [("RuleName", "-"), ("UtcTime", utc), ("ProcessGuid", guid(rng)),
                 ("ProcessId", rng.randrange(100, 9000)), ("Image", image),
                 ("User", rng.choice(USERS)), ("Protocol", "tcp"), ("Initiated", "true"),
                 ("SourceIsIpv6", "false"), ("SourceIp", f"10.0.1.{rng.randrange(1, 255)}"),
                 ("SourceHostname", rng.choice(HOSTS)), ("SourcePort", rng.randrange(1024, 65535)),
                 ("SourcePortName", "-"), ("DestinationIsIpv6", "false"),
                 ("DestinationIp", f"192.0.2.{rng.randrange(1, 255)}"), ("DestinationHostname", "-"),
                 ("DestinationPort", rng.choice([80, 443, 445, 3389])), ("DestinationPortName", "https")]
        task, version = 3, 5
    else:
        pairs = [("RuleName", "-"), ("UtcTime", utc), ("SourceProcessGUID", guid(rng)),
                 ("SourceProcessId", rng.randrange(100, 9000)), ("SourceThreadId", rng.randrange(100, 9000)),
                 ("SourceImage", image), ("TargetProcessGUID", guid(rng)),
                 ("TargetProcessId", rng.randrange(100, 9000)),
                 ("TargetImage", r"C:\Windows\system32\lsass.exe"), ("GrantedAccess", "0x1010"),
                 ("CallTrace", "C:\\Windows\\SYSTEM32\\ntdll.dll+9d4c4|C:\\Windows\\System32\\KERNELBASE.dll+2bd2e|UNKNOWN(00000000002A1A2B)")]
        task, version = 10, 3
    return (f"<Event xmlns='{NS}'>" + system(rng, SYSMON, code, version, task, when, record, host, "S-1-5-18")
            + "<EventData>" + data(pairs) + "</EventData></Event>")


def security_event(rng, code, when, record, host):
    user = rng.choice(["alice", "bob", "Administrator", "svc_sql"])
    if code == 4624:
        pairs = [("SubjectUserSid", "S-1-5-18"), ("SubjectUserName", host.split(".")[0].upper() + "$"),
                 ("SubjectDomainName", "ATTACKRANGE"), ("SubjectLogonId", "0x3e7"),
                 ("TargetUserSid", f"S-1-5-21-3730028101-1805993102-1296611634-{rng.randrange(1000, 1200)}"),
                 ("TargetUserName", user), ("TargetDomainName", "ATTACKRANGE"),
                 ("TargetLogonId", hex(rng.getrandbits(24))), ("LogonType", rng.choice([2, 3, 10])),
                 ("LogonProcessName", "User32 "), ("AuthenticationPackageName", "Negotiate"),
                 ("WorkstationName", "WIN-HOST-17"), ("LogonGuid", guid(rng)),
                 ("TransmittedServices", "-"), ("LmPackageName", "-"), ("KeyLength", 0),
                 ("ProcessId", hex(rng.randrange(100, 9000))),
                 ("ProcessName", r"C:\Windows\System32\svchost.exe"),
                 ("IpAddress", f"10.0.1.{rng.randrange(1, 255)}"), ("IpPort", 0),
                 ("ImpersonationLevel", "%%1833"), ("RestrictedAdminMode", "-"),
                 ("TargetOutboundUserName", "-"), ("TargetOutboundDomainName", "-"),
                 ("VirtualAccount", "%%1843"), ("TargetLinkedLogonId", "0x0"),
                 ("ElevatedToken", "%%1842")]
        task, version = 12544, 2
    else:
        image = rng.choice(IMAGES)
        pairs = [("SubjectUserSid", "S-1-5-18"), ("SubjectUserName", user),
                 ("SubjectDomainName", "ATTACKRANGE"), ("SubjectLogonId", "0x3e7"),
                 ("NewProcessId", hex(rng.randrange(100, 9000))), ("NewProcessName", image),
                 ("TokenElevationType", "%%1936"), ("ProcessId", hex(rng.randrange(100, 9000))),
                 ("CommandLine", f"{image} -nop -w hidden -c IEX {rng.randrange(10**6)}"),
                 ("TargetUserSid", "S-1-0-0"), ("TargetUserName", "-"), ("TargetDomainName", "-"),
                 ("TargetLogonId", "0x0"), ("ParentProcessName", rng.choice(IMAGES)),
                 ("MandatoryLabel", "S-1-16-16384")]
        task, version = 13312, 2
    return (f"<Event xmlns='{NS}'>" + system(rng, SECURITY, code, version, task, when, record, host)
            + "<EventData>" + data(pairs) + "</EventData></Event>")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    when = datetime(2024, 3, 1, tzinfo=timezone.utc)
    out = []
    for record in range(1, args.records + 1):
        when += timedelta(milliseconds=rng.randrange(1, 2000))
        host = rng.choice(HOSTS)
        kind = rng.random()
        if kind < 0.35:
            out.append(sysmon_event(rng, 1, when, record, host))
        elif kind < 0.55:
            out.append(sysmon_event(rng, 3, when, record, host))
        elif kind < 0.70:
            out.append(sysmon_event(rng, 10, when, record, host))
        elif kind < 0.85:
            out.append(security_event(rng, 4624, when, record, host))
        else:
            out.append(security_event(rng, 4688, when, record, host))
        if len(out) >= 10_000:
            print("\n".join(out))
            out.clear()
    if out:
        print("\n".join(out))


if __name__ == "__main__":
    main()
