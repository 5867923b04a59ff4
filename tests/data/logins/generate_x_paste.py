#!/usr/bin/env python3
"""Writes x_paste_word.txt: X's login records (ipAudit) as a lawyer pastes them from X's Basic
Subscriber Information into Word and saves as UTF-8 text -- typographic quotes, some full-width
digits, CRLF, three accounts, 200+ records, broken JSON around them -- and x_paste_word.expected.tsv,
what dnswitness must read from it (line, UTC time in RFC 3339 with ns, IP, port, account), computed
here independently of the C++ parser.

Deterministic (fixed seed): run `python3 generate_x_paste.py` in this folder to regenerate.
"""
import datetime
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(20231121)

LQ, RQ = "\u201c", "\u201d"  # Word's “ ”
FULL = {c: chr(ord(c) + 0xFEE0) for c in "0123456789:-.TZ"}


def q(s):
    return LQ + s + RQ


def fullwidth(s):
    return "".join(FULL.get(c, c) for c in s)


ACCOUNTS = ["235505178", "1459870023", "987654321"]
PUBLIC_V4 = ["223.216.231.10", "126.33.5.201", "49.104.12.77", "153.240.3.9", "60.118.200.14", "1.75.3.160",
             "106.128.9.33", "27.230.88.1"]
SPECIAL = ["10.14.0.3", "100.72.1.9", "192.168.1.20", "127.0.0.1", "169.254.3.4", "203.0.113.5",
           "2001:db8::7", "fd12:3456::1"]
PUBLIC_V6 = ["2400:4050:a0e1:2900:1c2d:3e4f:5a6b:7c8d", "2001:240:2433:1::50"]

lines = []          # output lines, without line endings
expected = []       # (line, time, ip, port, account)


def emit(text):
    lines.append(text)
    return len(lines)  # 1-based line number of what was just emitted


# A header as the lawyer's Word file has it, and the tail of a record cut off by the paste.
emit("開示された情報（X Corp. 回答書 別紙）")
emit("")
emit("アカウント235505178に関するIPアドレスのログ（ipAudit）")
emit(f"   {q('loginIp')} : {q('126.33.5.200')}")   # no createdAt: skipped with a warning
emit("  },")
emit("")
# The account section: its createdAt is the account's creation date, not a login.
emit(f"{q('account')} : {{")
emit(f"    {q('accountId')} : {q('235505178')},")
emit(f"    {q('createdAt')} : {q('2012-03-04T05:06:07.000Z')},")
emit(f"    {q('screenName')} : {q('example_user')}")
emit("}")
emit("")

base = datetime.datetime(2023, 11, 1, 0, 0, 0, tzinfo=datetime.timezone.utc)
t = base
records = []
for i in range(214):
    t = t + datetime.timedelta(seconds=rng.randint(600, 14000), milliseconds=rng.randint(0, 999))
    account = ACCOUNTS[i % 7 % 3]
    r = rng.random()
    ip = rng.choice(SPECIAL) if r < 0.06 else rng.choice(PUBLIC_V6) if r < 0.12 else rng.choice(PUBLIC_V4)
    port = rng.randint(1024, 65535) if i % 10 == 3 else None
    records.append((t, ip, port, account))
# Two exact repeats (a page pasted twice overlaps): kept once.
records.insert(50, records[49])
records.insert(120, records[118])

for i, (t, ip, port, account) in enumerate(records):
    created = t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"
    written = fullwidth(created) if i % 9 == 4 else created
    ip_written = fullwidth(ip) if i % 17 == 5 else ip
    layout = i % 4
    if i == 77:  # a page break in the middle of a record: the closing braces are missing
        emit(f"{{ {q('ipAudit')} : {{")
        emit(f"    {q('accountId')} : {q(account)},")
        line = emit(f"    {q('createdAt')} : {q(written)},")
        emit(f"    {q('loginIp')} : {q(ip_written)}")
        emit("－ 12 －")
        expected.append((line, t, ip, port, account))
        continue
    if layout == 3:  # one record on one line, as Word rewraps short paragraphs
        port_part = f", {q('loginPortNumber')} : {port}" if port else ""
        line = emit(f"{{ {q('ipAudit')} : {{ {q('accountId')} : {q(account)}, {q('createdAt')} : {q(written)}, "
                    f"{q('loginIp')} : {q(ip_written)}{port_part} }} }},")
    else:
        emit("{")
        emit(f"  {q('ipAudit')} : {{")
        emit(f"    {q('accountId')} : {q(account)},")
        line = emit(f"    {q('createdAt')} : {q(written)},")
        emit(f"    {q('loginIp')} : {q(ip_written)}" + ("," if port else ""))
        if port:
            emit(f"    {q('loginPortNumber')} : {port}")
        emit("  }")
        emit("},")
    expected.append((line, t, ip, port, account))
    if i == 140:
        emit("")
        emit("（以下、次頁に続く）")
        emit("")

emit("]")
emit("以上")

with open(os.path.join(HERE, "x_paste_word.txt"), "w", encoding="utf-8", newline="") as f:
    f.write("\r\n".join(lines) + "\r\n")

seen = set()
rows = []
for line, t, ip, port, account in expected:
    key = (t, ip, port, account)
    if key in seen:
        continue
    seen.add(key)
    ns = t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond * 1000:09d}Z"
    rows.append((t, line, ns, ip, "" if port is None else str(port), account))
rows.sort(key=lambda r: (r[0], r[1]))
with open(os.path.join(HERE, "x_paste_word.expected.tsv"), "w", encoding="utf-8", newline="\n") as f:
    f.write(f"# line\ttime\tip\tport\taccount  ({len(rows)} records, {len(expected) - len(rows)} duplicates)\n")
    for _, line, ns, ip, port, account in rows:
        f.write(f"{line}\t{ns}\t{ip}\t{port}\t{account}\n")
