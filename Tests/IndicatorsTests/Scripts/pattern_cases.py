#!/usr/bin/env python3
"""Writes the STIX pattern conformance cases the Indicators tests read, with the expected
results computed by the OASIS reference tools, not by Vigil.

usage: ../shared/tools/peer-python Tests/IndicatorsTests/Scripts/pattern_cases.py

- Tests/Fixtures/patterns/cases.tsv: `expected<TAB>pattern` for every pattern below, matched
  by stix2-matcher (../shared/tools/pattern_oracle.py's engine) against
  Tests/Fixtures/patterns/observed.json; expected is true, false or error.
- Tests/Fixtures/patterns/invalid.tsv: `reason<TAB>pattern` for patterns the stix2-patterns
  validator refuses (or the matcher refuses to compile); the script stops if one is accepted.
"""
import json
import os
import sys
import warnings

from stix2matcher.matcher import Pattern
from stix2patterns.validator import run_validator

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "..", "Fixtures", "patterns")

F1_SHA256 = "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f"
F1_MD5 = "3b8a4c1b2f9f0a1e5f6d7c8b9a0e1f2d"
F1_SHA1 = "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3"
OTHER_SHA256 = "0" * 63 + "1"

VALID = [
    # equality on strings, hashes, numbers, booleans; quoted and dotted paths
    f"[file:hashes.'SHA-256' = '{F1_SHA256}']",
    f"[file:hashes.'SHA-256' = '{OTHER_SHA256}']",
    f"[file:hashes.MD5 = '{F1_MD5}']",
    f"[file:hashes.'MD5' = '{F1_MD5}']",
    f"[file:hashes.'SHA-1' = '{F1_SHA1}']",
    f"[file:hashes.'SHA-256' != '{OTHER_SHA256}']",
    f"[file:hashes.'SHA-256' != '{F1_SHA256}']",
    "[file:name = 'evil.exe']",
    "[file:name == 'evil.exe']",
    "[file:name = 'EVIL.EXE']",
    "[file:name != 'evil.exe']",
    "[file:name <> 'evil.exe']",
    "[file:'name' = 'evil.exe']",
    "[file:name NOT = 'evil.exe']",
    "[file:name NOT != 'evil.exe']",
    "[file:size = 1024]",
    "[file:size = 1024.0]",
    "[file:size = 1025]",
    "[file:size != 1024]",
    "[file:size = '1024']",
    "[network-traffic:is_active = false]",
    "[network-traffic:is_active = true]",
    "[network-traffic:is_active != true]",
    "[user-account:is_privileged = true]",
    "[process:is_hidden = false]",
    "[x-sensor-reading:verdict = true]",
    "[x-sensor-reading:score = 7.5]",
    "[x-sensor-reading:score = 7]",
    "[x-sensor-reading:confidence = 80]",
    "[x-sensor-reading:confidence = 80.0]",
    "[x-sensor-reading:verdict = 1]",
    "[ipv4-addr:value = '10.0.0.5']",
    "[ipv4-addr:value = '10.0.0.6']",
    "[ipv6-addr:value = '2001:db8::1']",
    "[domain-name:value = 'x4z9arb.cn']",
    "[url:value = 'http://x4z9arb.cn/4712/']",
    "[mutex:name = 'Global\\\\APT31_mtx']",
    "[email-addr:value = 'attacker@mail.example']",
    "[email-message:subject = 'Invoice 2024 – urgent']",
    "[software:name = 'Cobalt Strike' AND software:version = '4.9']",
    "[x509-certificate:serial_number = '4a:3b:2c']",
    "[directory:path = 'C:\\\\Users\\\\Public']",
    # ordering on numbers, strings, timestamps
    "[file:size > 2048]",
    "[file:size > 1000]",
    "[file:size >= 1024]",
    "[file:size > 1024]",
    "[file:size < 1024]",
    "[file:size <= 1024]",
    "[file:size < 1024.5]",
    "[file:size > -1]",
    "[file:size NOT > 2048]",
    "[file:size NOT < 10]",
    "[network-traffic:dst_port >= 443 AND network-traffic:dst_port <= 443]",
    "[network-traffic:dst_port > 1023]",
    "[network-traffic:src_byte_count > 5000.5]",
    "[x-sensor-reading:score > 7]",
    "[x-sensor-reading:score < 7.25]",
    "[x-sensor-reading:score >= 7.5]",
    "[x-sensor-reading:confidence <= 79]",
    "[file:name > 'a']",
    "[file:name < 'a']",
    "[file:name >= 'evil.exe']",
    "[file:name > 'evil.exe']",
    "[file:name < 'f']",
    "[file:name < 'Z']",
    "[file:name NOT < 'f']",
    "[file:ctime < t'2024-03-01T10:00:00Z']",
    "[file:ctime > t'2024-03-01T10:00:00Z']",
    "[file:ctime = t'2024-03-01T09:59:00Z']",
    "[file:ctime = t'2024-03-01T09:59:00.000Z']",
    "[file:ctime != t'2024-03-01T09:59:00Z']",
    "[file:ctime >= t'2024-03-01T09:59:00.000Z']",
    "[process:created_time > t'2024-03-01T12:00:00.2Z']",
    "[process:created_time < t'2024-03-01T12:00:00.25Z']",
    "[process:created_time = t'2024-03-01T12:00:00.250Z']",
    "[user-account:account_created < t'2024-01-01T00:00:00Z']",
    "[x509-certificate:validity_not_after > t'2024-06-01T00:00:00Z']",
    "[email-message:date <= t'2024-03-01T13:00:00Z']",
    "[network-traffic:is_active NOT > 0]",
    "[network-traffic:is_active < 1]",
    # IN sets
    "[file:name IN ('evil.exe', 'good.exe')]",
    "[file:name IN ('a.exe', 'b.exe')]",
    "[file:name NOT IN ('a.exe', 'b.exe')]",
    "[file:name NOT IN ('evil.exe')]",
    "[file:name IN ()]",
    "[file:name NOT IN ()]",
    "[file:size IN (1024, 2048)]",
    "[file:size IN (1024.0, 2.5)]",
    "[file:size IN (1, 2, 3)]",
    "[network-traffic:dst_port IN (80, 443, 8080)]",
    "[network-traffic:dst_port NOT IN (80, 8080)]",
    "[network-traffic:is_active IN (false)]",
    "[network-traffic:protocols[*] IN ('udp', 'tls')]",
    "[network-traffic:protocols IN ('tls')]",
    "[ipv4-addr:value IN ('10.0.0.5', '10.0.0.6')]",
    "[file:ctime IN (t'2024-03-01T09:59:00Z', t'2024-03-02T00:00:00Z')]",
    "[file:ctime IN (t'2024-03-02T00:00:00Z')]",
    "[x-sensor-reading:score IN (7.5)]",
    "[x-sensor-reading:tags[*] IN ('apt31')]",
    # LIKE
    "[file:name LIKE 'evil%']",
    "[file:name LIKE 'evil.___']",
    "[file:name LIKE 'evil._']",
    "[file:name LIKE '%.exe']",
    "[file:name LIKE '%.EXE']",
    "[file:name LIKE 'e%l%e']",
    "[file:name LIKE '%']",
    "[file:name LIKE '']",
    "[file:name LIKE 'evil.exe']",
    "[file:name NOT LIKE '%.dll']",
    "[file:name NOT LIKE '%.exe']",
    "[process:command_line LIKE 'powershell%-enc%']",
    "[process:command_line LIKE '%-nop%']",
    "[process:command_line LIKE 'powershell']",
    "[url:value LIKE 'http://%.cn/%']",
    "[domain-name:value LIKE '%.cn']",
    "[domain-name:value LIKE '%.ru']",
    "[email-addr:value LIKE '%@mzv.example']",
    "[file:name LIKE 'Café%']",
    "[file:name LIKE 'Caf_ menu.pdf']",
    "[file:size LIKE '1024']",
    "[file:name LIKE 'evil.exe%%']",
    "[file:name LIKE '%v%']",
    "[mutex:name LIKE 'Global\\\\%']",
    "[windows-registry-key:key LIKE 'HKEY_LOCAL_MACHINE\\\\%\\\\Run']",
    "[artifact:payload_bin LIKE 'MZ%']",
    # MATCHES
    "[file:name MATCHES '^evil\\\\.exe$']",
    "[file:name MATCHES 'vil']",
    "[file:name MATCHES '^vil']",
    "[file:name MATCHES '(?i)^EVIL']",
    "[file:name MATCHES '\\\\.(exe|dll)$']",
    "[file:name NOT MATCHES '\\\\.dll$']",
    "[file:name NOT MATCHES 'evil']",
    "[process:command_line MATCHES '-enc\\\\s+[A-Za-z0-9+/=]{8,}']",
    "[process:command_line MATCHES '^powershell(\\\\.exe)? ']",
    "[url:value MATCHES '^https?://[a-z0-9]+\\\\.cn/']",
    "[domain-name:value MATCHES '^[a-z0-9]{7}\\\\.(cn|ru)$']",
    "[email-addr:value MATCHES '^[^@]+@mail\\\\.']",
    "[file:size MATCHES '1024']",
    "[ipv4-addr:value MATCHES '^10\\\\.']",
    "[file:name MATCHES '^Cafe\u0301']",
    "[file:name MATCHES '^Caf\\\\w ']",
    "[artifact:payload_bin MATCHES '^MZ']",
    "[file:magic_number_hex MATCHES '^MZ']",
    "[file:name MATCHES '(?P<stem>evil)\\\\.exe']",
    # ISSUBSET / ISSUPERSET
    "[ipv4-addr:value ISSUBSET '10.0.0.0/8']",
    "[ipv4-addr:value ISSUBSET '10.0.0.0/30']",
    "[ipv4-addr:value ISSUBSET '10.0.0.4/31']",
    "[ipv4-addr:value ISSUBSET '192.168.0.0/16']",
    "[ipv4-addr:value NOT ISSUBSET '10.0.0.0/8']",
    "[ipv4-addr:value ISSUBSET '198.51.100.0/24']",
    "[ipv4-addr:value ISSUBSET '0.0.0.0/1']",
    "[ipv4-addr:value ISSUBSET '128.0.0.0/1']",
    "[ipv4-addr:value ISSUBSET '203.0.113.9/32']",
    "[network-traffic:dst_ref.value ISSUBSET '198.51.100.0/24']",
    "[network-traffic:src_ref.value ISSUBSET '198.51.100.0/24']",
    "[network-traffic:dst_ref.value ISSUBSET '198.51.100.0/24' AND network-traffic:dst_port = 443]",
    "[domain-name:resolves_to_refs[*].value ISSUBSET '203.0.113.0/24']",
    "[ipv4-addr:value ISSUPERSET '10.0.0.5']",
    ("networks.json", "[ipv4-addr:value ISSUPERSET '10.0.0.5']"),
    ("networks.json", "[ipv4-addr:value ISSUPERSET '10.1.0.5']"),
    ("networks.json", "[ipv4-addr:value ISSUPERSET '10.0.0.0/16']"),
    ("networks.json", "[ipv4-addr:value ISSUPERSET '10.0.0.0/7']"),
    ("networks.json", "[ipv4-addr:value NOT ISSUPERSET '10.0.0.5']"),
    ("networks.json", "[ipv4-addr:value ISSUBSET '10.0.0.0/7']"),
    ("networks.json", "[ipv4-addr:value ISSUBSET '10.0.0.0/9']"),
    ("networks.json", "[ipv4-addr:value ISSUBSET '172.16.0.0/12']"),
    ("networks.json", "[ipv4-addr:value = '10.0.0.0/8']"),
    "[file:name ISSUBSET '10.0.0.0/8']",
    # EXISTS
    "[EXISTS file:name]",
    "[EXISTS file:hashes.MD5]",
    "[EXISTS file:hashes.'SHA-512']",
    "[EXISTS process:image_ref.name]",
    "[EXISTS network-traffic:ipfix.minimumIpTotalLength]",
    "[EXISTS mutex:name AND mutex:name = 'Global\\\\APT31_mtx']",
    # object paths: references, lists, indices, nesting
    "[network-traffic:dst_ref.value = '198.51.100.7']",
    "[network-traffic:src_ref.value = '198.51.100.7']",
    "[network-traffic:src_ref.value = '10.0.0.5' AND network-traffic:dst_ref.value = '198.51.100.7']",
    "[network-traffic:dst_ref.type = 'ipv4-addr']",
    "[network-traffic:protocols[*] = 'tls']",
    "[network-traffic:protocols[*] = 'udp']",
    "[network-traffic:protocols[0] = 'ipv4']",
    "[network-traffic:protocols[2] = 'tls']",
    "[network-traffic:protocols[1] = 'tls']",
    "[network-traffic:protocols[3] = 'tls']",
    "[network-traffic:protocols[-1] = 'tls']",
    "[network-traffic:protocols[*] NOT = 'tcp']",
    "[network-traffic:protocols = 'tls']",
    "[network-traffic:protocols != 'tls']",
    "[network-traffic:protocols[*] = 'tls' AND network-traffic:src_ref.value = '10.0.0.5']",
    "[network-traffic:ipfix.minimumIpTotalLength = 32]",
    "[network-traffic:ipfix.maximumIpTotalLength > 2000]",
    "[process:image_ref.name = 'powershell.exe']",
    "[process:image_ref.size > 400000]",
    "[process:environment_variables.PATH = 'C:\\\\Windows\\\\System32']",
    "[process:environment_variables.'TEMP' LIKE 'C:%']",
    "[file:parent_directory_ref.path = 'C:\\\\Users\\\\Public']",
    "[file:parent_directory_ref.path LIKE '%Public']",
    "[email-message:from_ref.value = 'attacker@mail.example']",
    "[email-message:from_ref.display_name = 'IT Support']",
    "[email-message:to_refs[*].value = 'minister@mzv.example']",
    "[email-message:to_refs[1].value = 'secretary@mzv.example']",
    "[email-message:to_refs[0].value = 'secretary@mzv.example']",
    "[email-message:to_refs[*].value LIKE '%@mzv.example']",
    "[email-message:additional_header_fields.'X-Mailer' LIKE 'Evil%']",
    "[email-message:is_multipart = false AND email-message:from_ref.value LIKE '%@mail.example']",
    "[windows-registry-key:values[*].name = 'Updater']",
    "[windows-registry-key:values[*].data LIKE '%evil.exe']",
    "[windows-registry-key:values[*].name = 'Updater' AND windows-registry-key:values[*].data_type = 'REG_DWORD']",
    "[windows-registry-key:values[0].name = 'Count']",
    "[windows-registry-key:values[1].data = '7']",
    "[windows-registry-key:number_of_subkeys = 0]",
    "[x-sensor-reading:matrix[1][0] = 3]",
    "[x-sensor-reading:matrix[*][*] = 4]",
    "[x-sensor-reading:matrix[*][1] = 3]",
    "[software:languages[*] = 'zho']",
    "[domain-name:resolves_to_refs[*].value = '203.0.113.9']",
    "[domain-name:resolves_to_refs[0].value = '203.0.113.9']",
    "[file:nonexistent = 'x']",
    "[file:nonexistent NOT = 'x']",
    "[file:name.first = 'x']",
    "[nothing:value = 'x']",
    "[file:hashes.'SHA-256' = '{}' OR file:size = 452608]".format(OTHER_SHA256),
    # binary and hex literals
    "[file:magic_number_hex = h'4d5a']",
    "[file:magic_number_hex = h'4D5A']",
    "[file:magic_number_hex = h'4d5b']",
    "[file:magic_number_hex = b'TVo=']",
    "[file:magic_number_hex = 'MZ']",
    "[file:magic_number_hex != h'4d5a']",
    "[file:magic_number_hex > h'4d']",
    "[file:magic_number_hex < h'4e']",
    "[file:magic_number_hex < 'N']",
    "[artifact:payload_bin = b'TVqQAAMAAAAEAAAA']",
    "[artifact:payload_bin = h'4d5a90000300000004000000']",
    "[artifact:payload_bin > h'4d5a']",
    "[artifact:payload_bin IN (h'4d5a90000300000004000000')]",
    "[artifact:payload_bin = 'MZ']",
    "[artifact:mime_type = 'application/octet-stream']",
    # comparison AND / OR and parentheses inside one observation
    "[file:name = 'evil.exe' AND file:size = 1024]",
    "[file:name = 'evil.exe' AND file:size = 2048]",
    "[file:name = 'evil.exe' OR file:size = 2048]",
    "[file:name = 'x' OR file:name = 'y' OR file:name = 'evil.exe']",
    "[file:name = 'evil.exe' AND (file:size = 1 OR file:size = 1024)]",
    "[(file:name = 'evil.exe' OR file:name = 'powershell.exe') AND file:size > 100000]",
    "[file:name = 'evil.exe' OR file:name = 'powershell.exe' AND file:size > 100000]",
    "[file:name = 'evil.exe' AND file:name = 'powershell.exe']",
    "[file:name = 'evil.exe' OR file:name = 'powershell.exe']",
    "[ipv4-addr:value = '10.0.0.5' AND ipv4-addr:value = '198.51.100.7']",
    "[ipv4-addr:value = '10.0.0.5' OR ipv4-addr:value = '198.51.100.7']",
    "[file:name = 'evil.exe' AND ipv4-addr:value = '10.0.0.5']",
    "[file:name = 'evil.exe' OR ipv4-addr:value = '10.0.0.9']",
    "[(file:name = 'evil.exe')]",
    "[((file:size = 1024))]",
    # observation operators
    "[file:name = 'evil.exe'] AND [ipv4-addr:value = '10.0.0.5']",
    "[ipv4-addr:value = '10.0.0.5'] AND [ipv4-addr:value = '198.51.100.7']",
    "[ipv4-addr:value = '10.0.0.5'] OR [ipv4-addr:value = '203.0.113.1']",
    "[ipv4-addr:value = '10.0.0.9'] OR [ipv4-addr:value = '203.0.113.1']",
    "[file:name = 'evil.exe'] AND [file:name = 'evil.exe']",
    "[process:pid = 4242] AND [process:pid = 4242]",
    "[process:pid = 4242] AND [process:pid = 4242] AND [process:pid = 4242]",
    "[process:pid = 4242] AND [process:pid = 4242] AND [process:pid = 4242] AND [process:pid = 4242]",
    "[file:name = 'evil.exe'] FOLLOWEDBY [url:value = 'http://x4z9arb.cn/4712/']",
    "[url:value = 'http://x4z9arb.cn/4712/'] FOLLOWEDBY [file:name = 'evil.exe']",
    "[file:name = 'evil.exe'] FOLLOWEDBY [file:name = 'evil.exe']",
    "[file:name = 'Café menu.pdf'] FOLLOWEDBY [network-traffic:dst_port = 443]",
    "[network-traffic:dst_port = 443] FOLLOWEDBY [file:name = 'Café menu.pdf']",
    "[file:name = 'evil.exe'] FOLLOWEDBY [ipv4-addr:value = '10.0.0.5'] FOLLOWEDBY [domain-name:value = 'x4z9arb.cn']",
    "[domain-name:value = 'x4z9arb.cn'] FOLLOWEDBY [ipv4-addr:value = '10.0.0.5'] FOLLOWEDBY [file:name = 'evil.exe']",
    "[process:pid = 4242] FOLLOWEDBY [process:pid = 4242]",
    "[user-account:account_login = 'bob'] FOLLOWEDBY [ipv6-addr:value = '2001:db8::1']",
    "[file:name = 'evil.exe'] AND [mutex:name LIKE 'Global%'] OR [user-account:user_id = '9999']",
    "[file:name = 'x'] OR [file:name = 'y'] AND [file:name = 'evil.exe']",
    "([file:name = 'x'] OR [file:name = 'evil.exe']) AND [mutex:name LIKE 'Global%']",
    "[file:name = 'evil.exe'] OR [file:name = 'x'] FOLLOWEDBY [mutex:name LIKE 'Global%']",
    "([file:name = 'evil.exe'] FOLLOWEDBY [mutex:name LIKE 'Global%']) OR [file:name = 'x']",
    # qualifiers
    "[file:name MATCHES '^evil\\\\.exe$'] AND [domain-name:value LIKE '%.cn'] WITHIN 60 SECONDS",
    "([file:name MATCHES '^evil\\\\.exe$'] AND [domain-name:value LIKE '%.cn']) WITHIN 60 SECONDS",
    "([file:name MATCHES '^evil\\\\.exe$'] AND [domain-name:value LIKE '%.cn']) WITHIN 600 SECONDS",
    "([file:name = 'evil.exe'] AND [domain-name:value = 'x4z9arb.cn']) WITHIN 300 SECONDS",
    "([file:name = 'evil.exe'] AND [domain-name:value = 'x4z9arb.cn']) WITHIN 299.5 SECONDS",
    "([file:name = 'evil.exe'] AND [domain-name:value = 'x4z9arb.cn']) WITHIN 300.0 SECONDS",
    "([file:name = 'evil.exe'] FOLLOWEDBY [ipv4-addr:value = '10.0.0.5']) WITHIN 30 SECONDS",
    "([file:name = 'evil.exe'] FOLLOWEDBY [ipv4-addr:value = '10.0.0.5']) WITHIN 29 SECONDS",
    "([file:name = 'evil.exe'] OR [mutex:name = 'nope']) WITHIN 1 SECONDS",
    "[file:name = 'evil.exe'] WITHIN 1 SECONDS",
    "([process:pid = 4242] AND [file:name = 'evil.exe']) WITHIN 7199 SECONDS",
    "([process:pid = 4242] AND [file:name = 'evil.exe']) WITHIN 7200 SECONDS",
    "([user-account:account_login = 'bob'] AND [mutex:name LIKE 'Global%']) WITHIN 3600 SECONDS",
    "[process:command_line LIKE 'powershell%-enc%'] REPEATS 2 TIMES",
    "[process:command_line LIKE 'powershell%-enc%'] REPEATS 3 TIMES",
    "[process:command_line LIKE 'powershell%-enc%'] REPEATS 4 TIMES",
    "[process:command_line LIKE 'powershell%-enc%'] REPEATS 1 TIMES",
    "[file:name = 'evil.exe'] REPEATS 2 TIMES",
    "[file:name = 'evil.exe'] REPEATS 1 TIMES",
    "[file:size > 0] REPEATS 3 TIMES",
    "[file:size > 0] REPEATS 6 TIMES",
    "[file:size > 0] REPEATS 7 TIMES",
    "[ipv4-addr:value LIKE '%'] REPEATS 2 TIMES",
    "[ipv4-addr:value LIKE '%'] REPEATS 3 TIMES",
    "[user-account:is_privileged = true] REPEATS 2 TIMES",
    "[user-account:is_privileged = true] REPEATS 2 TIMES WITHIN 20 SECONDS",
    "[process:pid = 4242] REPEATS 3 TIMES WITHIN 1 SECONDS",
    "([file:size > 0] REPEATS 2 TIMES) WITHIN 10 SECONDS",
    "([file:size > 0] REPEATS 3 TIMES) WITHIN 10 SECONDS",
    "([file:name = 'evil.exe'] AND [process:pid = 4242]) REPEATS 2 TIMES",
    "[url:value = 'http://x4z9arb.cn/4712/'] START t'2024-03-01T10:00:00Z' STOP t'2024-03-01T10:10:00Z'",
    "[url:value = 'http://x4z9arb.cn/4712/'] START t'2024-03-01T11:00:00Z' STOP t'2024-03-01T11:10:00Z'",
    "[url:value = 'http://x4z9arb.cn/4712/'] START t'2024-03-01T10:05:00Z' STOP t'2024-03-01T10:10:00Z'",
    "[url:value = 'http://x4z9arb.cn/4712/'] START t'2024-03-01T10:00:00Z' STOP t'2024-03-01T10:05:00Z'",
    "[url:value = 'http://x4z9arb.cn/4712/'] START t'2024-03-01T10:00:00Z' STOP t'2024-03-01T10:05:00.001Z'",
    "[process:pid = 4242] START t'2024-03-01T12:05:00Z' STOP t'2024-03-01T12:06:00Z'",
    "[process:pid = 4242] START t'2024-03-01T12:10:00Z' STOP t'2024-03-01T13:00:00Z'",
    "[process:pid = 4242] START t'2024-03-01T11:00:00Z' STOP t'2024-03-01T12:00:00Z'",
    "[file:name = 'evil.exe'] START t'2024-03-02T00:00:00Z' STOP t'2024-03-01T00:00:00Z'",
    "[file:name = 'evil.exe'] START t'2024-03-01T10:00:00Z' STOP t'2024-03-01T10:00:00Z'",
    "([file:name = 'evil.exe'] AND [mutex:name LIKE 'Global%']) START t'2024-03-01T00:00:00Z' STOP t'2024-03-02T00:00:00Z'",
    "([file:name = 'evil.exe'] AND [mutex:name LIKE 'Global%']) START t'2024-03-01T00:00:00Z' STOP t'2024-03-01T12:00:00Z'",
    "[process:pid = 4242] REPEATS 2 TIMES START t'2024-03-01T12:00:00Z' STOP t'2024-03-01T12:01:00Z'",
    "[file:name = 'evil.exe'] WITHIN 5 SECONDS START t'2024-03-01T00:00:00Z' STOP t'2024-03-02T00:00:00Z'",
    # comments and white space
    "[file:name = 'evil.exe'] /* a comment */ AND [mutex:name LIKE 'Global%']",
    "[file:name = 'evil.exe'] // to the end of the line\n OR [file:name = 'x']",
    "  [ file:name   =   'evil.exe' ]  ",
    "[file:name='evil.exe']AND[mutex:name='Global\\\\APT31_mtx']",
    "[\tfile:name\n=\r'evil.exe']",
    # literals of every kind
    "[file:size = +1024]",
    "[file:size > -1024]",
    "[x-sensor-reading:score = +7.5]",
    "[x-sensor-reading:score > -.5]",
    "[x-sensor-reading:score > .5]",
    "[file:name = 'it\\'s']",
    "[file:name != 'back\\\\slash']",
]

INVALID = [
    ("unterminated observation", "[file:name = 'evil.exe'"),
    ("unterminated string", "[file:name = 'evil.exe]"),
    ("empty pattern", ""),
    ("empty observation", "[]"),
    ("no brackets", "file:name = 'evil.exe'"),
    ("missing object type", "[:name = 'evil.exe']"),
    ("missing property", "[file: = 'evil.exe']"),
    ("missing colon", "[file.name = 'evil.exe']"),
    ("missing operator", "[file:name 'evil.exe']"),
    ("missing value", "[file:name =]"),
    ("double operator", "[file:name = = 'evil.exe']"),
    ("unknown operator", "[file:name ~= 'evil.exe']"),
    ("lower-case and", "[file:name = 'a'] and [file:name = 'b']"),
    ("lower-case or in comparison", "[file:name = 'a' or file:name = 'b']"),
    ("dangling AND", "[file:name = 'a'] AND"),
    ("dangling OR in comparison", "[file:name = 'a' OR]"),
    ("FOLLOWEDBY inside an observation", "[file:name = 'a' FOLLOWEDBY file:name = 'b']"),
    ("double-quoted string", "[file:name = \"evil.exe\"]"),
    ("unquoted string", "[file:name = evil]"),
    ("bad escape in string", "[file:name = 'a\\b']"),
    ("hyphen in an unquoted property", "[file:hashes.SHA-256 = 'abc']"),
    ("property starts with a digit", "[file:1name = 'x']"),
    ("space in object type", "[network traffic:dst_port = 443]"),
    ("WITHIN without SECONDS", "[file:name = 'a'] WITHIN 5"),
    ("WITHIN negative", "[file:name = 'a'] WITHIN -5 SECONDS"),
    ("WITHIN a string", "[file:name = 'a'] WITHIN '5' SECONDS"),
    ("WITHIN zero", "[file:name = 'evil.exe'] WITHIN 0 SECONDS"),
    ("REPEATS without TIMES", "[file:name = 'a'] REPEATS 2"),
    ("REPEATS decimal", "[file:name = 'a'] REPEATS 2.5 TIMES"),
    ("REPEATS zero", "[file:name = 'a'] REPEATS 0 TIMES"),
    ("START without STOP", "[file:name = 'a'] START t'2024-01-01T00:00:00Z'"),
    ("START with a string", "[file:name = 'a'] START '2024-01-01T00:00:00Z' STOP '2024-01-02T00:00:00Z'"),
    ("timestamp without Z", "[file:ctime = t'2024-01-01T00:00:00']"),
    ("timestamp month 13", "[file:ctime = t'2024-13-01T00:00:00Z']"),
    ("timestamp hour 24", "[file:ctime = t'2024-01-01T24:00:00Z']"),
    ("timestamp lower-case t", "[file:ctime = t'2024-01-01t00:00:00Z']"),
    ("timestamp with offset", "[file:ctime = t'2024-01-01T00:00:00+01:00']"),
    ("duplicate WITHIN", "[file:name = 'a'] WITHIN 5 SECONDS WITHIN 6 SECONDS"),
    ("duplicate REPEATS", "[file:name = 'a'] REPEATS 2 TIMES REPEATS 3 TIMES"),
    ("duplicate START/STOP", "[file:name = 'a'] START t'2024-01-01T00:00:00Z' STOP t'2024-01-02T00:00:00Z' START t'2024-01-01T00:00:00Z' STOP t'2024-01-02T00:00:00Z'"),
    ("qualifier inside brackets", "[file:name = 'a' WITHIN 5 SECONDS]"),
    ("bad hex literal", "[file:magic_number_hex = h'4d5']"),
    ("non-hex digits", "[file:magic_number_hex = h'zz']"),
    ("bad base64 literal", "[artifact:payload_bin = b'TVo']"),
    ("IN without parentheses", "[file:name IN 'a', 'b']"),
    ("IN unterminated", "[file:name IN ('a', 'b']"),
    ("IN trailing comma", "[file:name IN ('a',)]"),
    ("LIKE with a number", "[file:name LIKE 5]"),
    ("MATCHES with a number", "[file:name MATCHES 5]"),
    ("ISSUBSET with a number", "[ipv4-addr:value ISSUBSET 10]"),
    ("order with a boolean", "[file:size > true]"),
    ("order with false", "[network-traffic:is_active > false]"),
    ("EXISTS with a value", "[EXISTS file:name = 'a']"),
    ("NOT after the operator", "[file:name = NOT 'a']"),
    ("index not a number", "[network-traffic:protocols[a] = 'tls']"),
    ("index unterminated", "[network-traffic:protocols[0 = 'tls']"),
    ("index a decimal", "[network-traffic:protocols[1.5] = 'tls']"),
    ("unbalanced parentheses", "([file:name = 'a']"),
    ("extra closing parenthesis", "[file:name = 'a'])"),
    ("parentheses around a comparison outside brackets", "(file:name = 'a')"),
    ("invalid character", "[file:name = 'a'] & [file:name = 'b']"),
    ("keyword as property", "[file:AND = 'a']"),
    ("LAST is reserved", "[file:LAST = 'a']"),
    ("invalid MD5", "[file:hashes.MD5 = 'abc']"),
    ("invalid SHA-256", "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019']"),
    ("SHA-256 with non-hex", "[file:hashes.'SHA-256' = 'zec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']"),
    ("invalid SHA-1", "[file:hashes.'SHA-1' = '12345']"),
    ("hash as a number", "[file:hashes.MD5 = 12345]"),
    ("two patterns without an operator", "[file:name = 'a'] [file:name = 'b']"),
    ("object type with a dot", "[file.x:name = 'a']"),
    ("leading zeros", "[x-sensor-reading:confidence = 0080]"),
    ("unterminated comment", "[file:name = 'a'] /* comment"),
]


def main():
    warnings.simplefilter("ignore")
    observed = {}
    rows = []
    for case in VALID:
        source, pattern = case if isinstance(case, tuple) else ("observed.json", case)
        if source not in observed:
            observed[source] = json.load(open(os.path.join(FIXTURES, source), encoding="utf-8"))
        try:
            matched = bool(Pattern(pattern, "2.1").match([observed[source]]))
            expected = "true" if matched else "false"
        except Exception as error:  # the matcher refuses: a data or pattern error
            expected = "error"
            print(f"error: {pattern!r}: {type(error).__name__}: {error}", file=sys.stderr)
        errors = validator_errors(pattern)
        if errors:
            print(f"validator refuses {pattern!r}: {errors}", file=sys.stderr)
        rows.append(f"{expected}\t{source}\t{escape(pattern)}")
    with open(os.path.join(FIXTURES, "cases.tsv"), "w", encoding="utf-8") as out:
        out.write("# expected<TAB>observed file<TAB>pattern, written by Tests/IndicatorsTests/Scripts/pattern_cases.py from stix2-matcher\n")
        out.write("# (\\n, \\r, \\t and \\\\ in a pattern are written as escapes)\n")
        out.write("\n".join(rows) + "\n")

    invalid_rows = []
    for reason, pattern in INVALID:
        errors = validator_errors(pattern)
        try:
            Pattern(pattern, "2.1").match([observed["observed.json"]])
            compiles = True
        except Exception:
            compiles = False
        if not errors and compiles:
            sys.exit(f"the reference accepts {pattern!r} ({reason}); it is not an invalid case")
        invalid_rows.append(f"{reason}\t{escape(pattern)}")
    with open(os.path.join(FIXTURES, "invalid.tsv"), "w", encoding="utf-8") as out:
        out.write("# reason<TAB>pattern: each refused by the stix2-patterns validator or by stix2-matcher;\n")
        out.write("# written by Tests/IndicatorsTests/Scripts/pattern_cases.py\n")
        out.write("\n".join(invalid_rows) + "\n")
    print(f"{len(rows)} cases, {len(invalid_rows)} invalid patterns", file=sys.stderr)


def validator_errors(pattern):
    try:
        return run_validator(pattern)
    except Exception as error:  # the validator itself fails (e.g. on a negative list index)
        return [f"validator failed: {type(error).__name__}"]


def escape(pattern):
    return pattern.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")


if __name__ == "__main__":
    main()
