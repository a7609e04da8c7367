extension DefaultLogSources {
    /// Linux (audit logs, Sysmon for Linux) and Zeek (log paths): entries that continue the
    /// `sources` list of `windows`.
    static let others = #"""
  # Linux: audit logs, and Sysmon for Linux.
  - product: linux
    service: auditd
    match:
      - conditions:
          '@format': auditd
  - product: linux
    category: process_creation
    match:
      - conditions:
          Channel: 'Linux-Sysmon/Operational'
          EventID: 1
  - product: linux
    category: network_connection
    match:
      - conditions:
          Channel: 'Linux-Sysmon/Operational'
          EventID: 3
  - product: linux
    category: file_event
    match:
      - conditions:
          Channel: 'Linux-Sysmon/Operational'
          EventID: 11
  - product: linux
    match:
      - conditions:
          '@format': [auditd, jsonl-flat, csv]
  # Zeek: one log per service, named by _path (Zeek's JSON and TSV) or @stream (OTRF).
  - product: zeek
    service: conn
    match:
      - conditions:
          _path: conn
      - conditions:
          '@stream': conn
  - product: zeek
    service: dns
    match:
      - conditions:
          _path: dns
      - conditions:
          '@stream': dns
  - product: zeek
    service: http
    match:
      - conditions:
          _path: http
      - conditions:
          '@stream': http
  - product: zeek
    service: ssl
    match:
      - conditions:
          _path: ssl
      - conditions:
          '@stream': ssl
  - product: zeek
    service: x509
    match:
      - conditions:
          _path: x509
      - conditions:
          '@stream': x509
  - product: zeek
    service: smb_files
    match:
      - conditions:
          _path: smb_files
      - conditions:
          '@stream': smb_files
  - product: zeek
    service: smb_mapping
    match:
      - conditions:
          _path: smb_mapping
      - conditions:
          '@stream': smb_mapping
  - product: zeek
    service: dce_rpc
    match:
      - conditions:
          _path: dce_rpc
      - conditions:
          '@stream': dce_rpc
  - product: zeek
    service: kerberos
    match:
      - conditions:
          _path: kerberos
      - conditions:
          '@stream': kerberos
  - product: zeek
    service: ntlm
    match:
      - conditions:
          _path: ntlm
      - conditions:
          '@stream': ntlm
  - product: zeek
    service: rdp
    match:
      - conditions:
          _path: rdp
      - conditions:
          '@stream': rdp
  - product: zeek
    service: files
    match:
      - conditions:
          _path: files
      - conditions:
          '@stream': files
  - product: zeek
    service: smtp
    match:
      - conditions:
          _path: smtp
      - conditions:
          '@stream': smtp
  - product: zeek
    service: ssh
    match:
      - conditions:
          _path: ssh
      - conditions:
          '@stream': ssh
  - product: zeek
    service: notice
    match:
      - conditions:
          _path: notice
      - conditions:
          '@stream': notice
  - product: zeek
    service: weird
    match:
      - conditions:
          _path: weird
      - conditions:
          '@stream': weird
  - product: zeek
    service: dhcp
    match:
      - conditions:
          _path: dhcp
      - conditions:
          '@stream': dhcp
  - product: zeek
    service: ftp
    match:
      - conditions:
          _path: ftp
      - conditions:
          '@stream': ftp
  - product: zeek
    service: rfb
    match:
      - conditions:
          _path: rfb
      - conditions:
          '@stream': rfb
  - product: zeek
    service: software
    match:
      - conditions:
          _path: software
      - conditions:
          '@stream': software
  - product: zeek
    service: pe
    match:
      - conditions:
          _path: pe
      - conditions:
          '@stream': pe
  - product: zeek
    service: tunnel
    match:
      - conditions:
          _path: tunnel
      - conditions:
          '@stream': tunnel
  - product: zeek
    match:
      - conditions:
          '@format': [zeek-json, zeek-tsv]
"""#
}
