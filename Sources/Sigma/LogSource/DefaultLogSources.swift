/// The log source mapping Vigil ships with, in the YAML format `LogSourceMapping` reads (the
/// format of a user's `--logsource-map FILE`). Windows categories map to Sysmon event ids on
/// the Sysmon channel, `process_creation` also to Security 4688 with its field names, services
/// to their channels, as SigmaHQ's own test configuration (`tests/thor.yml`) does; Linux to
/// audit logs and Sysmon for Linux; Zeek services to Zeek's log paths. Kept in a Swift string so
/// that the program needs no resource files.
enum DefaultLogSources {
    static var yaml: String { windows + "\n" + others }

    /// Windows: Sysmon categories, Security 4688, services and their channels.
    static let windows = #"""
version: 1
sources:
  - product: windows
    category: process_creation
    match:
      - conditions:
          Channel: 'Microsoft-Windows-Sysmon/Operational'
          EventID: 1
      - conditions:
          Channel: 'Security'
          EventID: 4688
        fields:
          Image: NewProcessName
          ParentImage: ParentProcessName
  - product: windows
    category: file_change
    match:
      - conditions:
          Channel: 'Microsoft-Windows-Sysmon/Operational'
          EventID: 2
  - product: windows
    category: network_connection
    match:
      - conditions:
          Channel: 'Microsoft-Windows-Sysmon/Operational'
          EventID: 3
  - product: windows
    category: sysmon_status
    match:
      - conditions:
          Channel: 'Microsoft-Windows-Sysmon/Operational'
          EventID: 4
      - conditions:
          Channel: 'Microsoft-Windows-Sysmon/Operational'
          EventID: 16
  - product: windows
    category: process_termination
    match:
      - conditions:
          Channel: 'Microsoft-Windows-Sysmon/Operational'
          EventID: 5
  - product: windows
    category: driver_load
    match:
      - conditions:
          Channel: 'Microsoft-Windows-Sysmon/Operational'
          EventID: 6
  - product: windows
    category: image_load
    match:
      - conditions:
          Channel: 'Microsoft-Windows-Sysmon/Operational'
          EventID: 7
  - product: windows
    category: create_remote_thread
    match:
      - conditions:
          Channel: 'Microsoft-Windows-Sysmon/Operational'
          EventID: 8
  - product: windows
    category: raw_access_thread
    match:
      - conditions:
          Channel: 'Microsoft-Windows-Sysmon/Operational'
          EventID: 9
  - product: windows
    category: process_access
    match:
      - conditions:
          Channel: 'Microsoft-Windows-Sysmon/Operational'
          EventID: 10
  - product: windows
    category: file_event
    match:
      - conditions:
          Channel: 'Microsoft-Windows-Sysmon/Operational'
          EventID: 11
  - product: windows
    category: registry_event
    match:
      - conditions:
          Channel: 'Microsoft-Windows-Sysmon/Operational'
          EventID: 12
      - conditions:
          Channel: 'Microsoft-Windows-Sysmon/Operational'
          EventID: 13
      - conditions:
          Channel: 'Microsoft-Windows-Sysmon/Operational'
          EventID: 14
  - product: windows
    category: registry_add
    match:
      - conditions:
          Channel: 'Microsoft-Windows-Sysmon/Operational'
          EventID: 12
          EventType: 'CreateKey'
  - product: windows
    category: registry_delete
    match:
      - conditions:
          Channel: 'Microsoft-Windows-Sysmon/Operational'
          EventID: 12
          EventType: 'DeleteKey'
      - conditions:
          Channel: 'Microsoft-Windows-Sysmon/Operational'
          EventID: 12
          EventType: 'DeleteValue'
  - product: windows
    category: registry_set
    match:
      - conditions:
          Channel: 'Microsoft-Windows-Sysmon/Operational'
          EventID: 13
  - product: windows
    category: registry_rename
    match:
      - conditions:
          Channel: 'Microsoft-Windows-Sysmon/Operational'
          EventID: 14
  - product: windows
    category: create_stream_hash
    match:
      - conditions:
          Channel: 'Microsoft-Windows-Sysmon/Operational'
          EventID: 15
  - product: windows
    category: pipe_created
    match:
      - conditions:
          Channel: 'Microsoft-Windows-Sysmon/Operational'
          EventID: 17
      - conditions:
          Channel: 'Microsoft-Windows-Sysmon/Operational'
          EventID: 18
  - product: windows
    category: wmi_event
    match:
      - conditions:
          Channel: 'Microsoft-Windows-Sysmon/Operational'
          EventID: 19
      - conditions:
          Channel: 'Microsoft-Windows-Sysmon/Operational'
          EventID: 20
      - conditions:
          Channel: 'Microsoft-Windows-Sysmon/Operational'
          EventID: 21
  - product: windows
    category: dns_query
    match:
      - conditions:
          Channel: 'Microsoft-Windows-Sysmon/Operational'
          EventID: 22
  - product: windows
    category: file_delete
    match:
      - conditions:
          Channel: 'Microsoft-Windows-Sysmon/Operational'
          EventID: 23
  - product: windows
    category: clipboard_change
    match:
      - conditions:
          Channel: 'Microsoft-Windows-Sysmon/Operational'
          EventID: 24
  - product: windows
    category: process_tampering
    match:
      - conditions:
          Channel: 'Microsoft-Windows-Sysmon/Operational'
          EventID: 25
  - product: windows
    category: file_delete_detected
    match:
      - conditions:
          Channel: 'Microsoft-Windows-Sysmon/Operational'
          EventID: 26
  - product: windows
    category: file_block_executable
    match:
      - conditions:
          Channel: 'Microsoft-Windows-Sysmon/Operational'
          EventID: 27
  - product: windows
    category: file_block_shredding
    match:
      - conditions:
          Channel: 'Microsoft-Windows-Sysmon/Operational'
          EventID: 28
  - product: windows
    category: file_executable_detected
    match:
      - conditions:
          Channel: 'Microsoft-Windows-Sysmon/Operational'
          EventID: 29
  - product: windows
    category: sysmon_error
    match:
      - conditions:
          Channel: 'Microsoft-Windows-Sysmon/Operational'
          EventID: 255
  - product: windows
    category: ps_module
    match:
      - conditions:
          Channel: ['Microsoft-Windows-PowerShell/Operational', 'PowerShellCore/Operational']
          EventID: 4103
  - product: windows
    category: ps_script
    match:
      - conditions:
          Channel: ['Microsoft-Windows-PowerShell/Operational', 'PowerShellCore/Operational']
          EventID: 4104
  - product: windows
    category: ps_classic_start
    match:
      - conditions:
          Channel: 'Windows PowerShell'
          EventID: 400
  - product: windows
    category: ps_classic_provider_start
    match:
      - conditions:
          Channel: 'Windows PowerShell'
          EventID: 600
  - product: windows
    category: ps_classic_script
    match:
      - conditions:
          Channel: 'Windows PowerShell'
          EventID: 800
  - category: antivirus
    match:
      - conditions:
          Channel: 'Microsoft-Windows-Windows Defender/Operational'
          EventID: [1006, 1007, 1008, 1009, 1010, 1011, 1012, 1017, 1018, 1019, 1115, 1116]
        fields:
          Signature: ThreatName
          Filename: Path
  - product: windows
    service: application
    match:
      - conditions:
          Channel: 'Application'
  - product: windows
    service: security
    match:
      - conditions:
          Channel: 'Security'
  - product: windows
    service: system
    match:
      - conditions:
          Channel: 'System'
  - product: windows
    service: ntlm
    match:
      - conditions:
          Channel: 'Microsoft-Windows-NTLM/Operational'
  - product: windows
    service: sysmon
    match:
      - conditions:
          Channel: 'Microsoft-Windows-Sysmon/Operational'
  - product: windows
    service: powershell
    match:
      - conditions:
          Channel: ['Microsoft-Windows-PowerShell/Operational', 'PowerShellCore/Operational']
  - product: windows
    service: powershell-classic
    match:
      - conditions:
          Channel: 'Windows PowerShell'
  - product: windows
    service: taskscheduler
    match:
      - conditions:
          Channel: 'Microsoft-Windows-TaskScheduler/Operational'
  - product: windows
    service: wmi
    match:
      - conditions:
          Channel: 'Microsoft-Windows-WMI-Activity/Operational'
  - product: windows
    service: dhcp
    match:
      - conditions:
          Channel: 'Microsoft-Windows-DHCP-Server/Operational'
  - product: windows
    service: printservice-admin
    match:
      - conditions:
          Channel: 'Microsoft-Windows-PrintService/Admin'
  - product: windows
    service: smbclient-security
    match:
      - conditions:
          Channel: 'Microsoft-Windows-SmbClient/Security'
  - product: windows
    service: smbclient-connectivity
    match:
      - conditions:
          Channel: 'Microsoft-Windows-SmbClient/Connectivity'
  - product: windows
    service: smbserver-connectivity
    match:
      - conditions:
          Channel: 'Microsoft-Windows-SMBServer/Connectivity'
  - product: windows
    service: printservice-operational
    match:
      - conditions:
          Channel: 'Microsoft-Windows-PrintService/Operational'
  - product: windows
    service: terminalservices-localsessionmanager
    match:
      - conditions:
          Channel: 'Microsoft-Windows-TerminalServices-LocalSessionManager/Operational'
  - product: windows
    service: codeintegrity-operational
    match:
      - conditions:
          Channel: 'Microsoft-Windows-CodeIntegrity/Operational'
  - product: windows
    service: applocker
    match:
      - conditions:
          Channel: ['Microsoft-Windows-AppLocker/MSI and Script', 'Microsoft-Windows-AppLocker/EXE and DLL', 'Microsoft-Windows-AppLocker/Packaged app-Deployment', 'Microsoft-Windows-AppLocker/Packaged app-Execution']
  - product: windows
    service: msexchange-management
    match:
      - conditions:
          Channel: 'MSExchange Management'
  - product: windows
    service: windefend
    match:
      - conditions:
          Channel: 'Microsoft-Windows-Windows Defender/Operational'
  - product: windows
    service: firewall-as
    match:
      - conditions:
          Channel: 'Microsoft-Windows-Windows Firewall With Advanced Security/Firewall'
  - product: windows
    service: bits-client
    match:
      - conditions:
          Channel: 'Microsoft-Windows-Bits-Client/Operational'
  # Services thor.yml does not cover, with the channels of pySigma's windows-logsources.
  - product: windows
    service: dns-server
    match:
      - conditions:
          Channel: 'DNS Server'
  - product: windows
    service: driver-framework
    match:
      - conditions:
          Channel: 'Microsoft-Windows-DriverFrameworks-UserMode/Operational'
  - product: windows
    service: microsoft-servicebus-client
    match:
      - conditions:
          Channel: 'Microsoft-ServiceBus-Client'
  - product: windows
    service: security-mitigations
    match:
      - conditions:
          Channel: ['Microsoft-Windows-Security-Mitigations/Kernel Mode', 'Microsoft-Windows-Security-Mitigations/User Mode']
  - product: windows
    service: diagnosis-scripted
    match:
      - conditions:
          Channel: 'Microsoft-Windows-Diagnosis-Scripted/Operational'
  - product: windows
    service: shell-core
    match:
      - conditions:
          Channel: 'Microsoft-Windows-Shell-Core/Operational'
  - product: windows
    service: openssh
    match:
      - conditions:
          Channel: 'OpenSSH/Operational'
  - product: windows
    service: ldap
    match:
      - conditions:
          Channel: 'Microsoft-Windows-LDAP-Client/Debug'
  - product: windows
    service: bitlocker
    match:
      - conditions:
          Channel: 'Microsoft-Windows-BitLocker/BitLocker Management'
  - product: windows
    service: vhdmp
    match:
      - conditions:
          Channel: 'Microsoft-Windows-VHDMP/Operational'
  - product: windows
    service: appxdeployment-server
    match:
      - conditions:
          Channel: 'Microsoft-Windows-AppXDeploymentServer/Operational'
  - product: windows
    service: lsa-server
    match:
      - conditions:
          Channel: 'Microsoft-Windows-LSA/Operational'
  - product: windows
    service: appxpackaging-om
    match:
      - conditions:
          Channel: 'Microsoft-Windows-AppxPackaging/Operational'
  - product: windows
    service: dns-client
    match:
      - conditions:
          Channel: 'Microsoft-Windows-DNS Client Events/Operational'
  - product: windows
    service: appmodel-runtime
    match:
      - conditions:
          Channel: 'Microsoft-Windows-AppModel-Runtime/Admin'
  - product: windows
    service: capi2
    match:
      - conditions:
          Channel: 'Microsoft-Windows-CAPI2/Operational'
  - product: windows
    service: certificateservicesclient-lifecycle-system
    match:
      - conditions:
          Channel: 'Microsoft-Windows-CertificateServicesClient-Lifecycle-System/Operational'
  - product: windows
    service: kernel-shimengine
    match:
      - conditions:
          Channel: ['Microsoft-Windows-Kernel-ShimEngine/Operational', 'Microsoft-Windows-Kernel-ShimEngine/Diagnostic']
  - product: windows
    service: application-experience
    match:
      - conditions:
          Channel: ['Microsoft-Windows-Application-Experience/Program-Telemetry', 'Microsoft-Windows-Application-Experience/Program-Compatibility-Assistant']
  - product: windows
    service: ntfs
    match:
      - conditions:
          Channel: 'Microsoft-Windows-Ntfs/Operational'
  - product: windows
    service: hyper-v-worker
    match:
      - conditions:
          Channel: 'Microsoft-Windows-Hyper-V-Worker'
  - product: windows
    service: kernel-event-tracing
    match:
      - conditions:
          Channel: 'Microsoft-Windows-Kernel-EventTracing'
  - product: windows
    service: sense
    match:
      - conditions:
          Channel: 'Microsoft-Windows-SENSE/Operational'
  - product: windows
    service: servicebus-client
    match:
      - conditions:
          Channel: ['Microsoft-ServiceBus-Client/Admin', 'Microsoft-ServiceBus-Client/Operational']
  - product: windows
    service: iis-configuration
    match:
      - conditions:
          Channel: 'Microsoft-IIS-Configuration/Operational'
  # Rules for a Windows log source that no entry above names apply to every Windows event.
  - product: windows
    match:
      - conditions:
          '@format': [evtx, jsonl-evtx, winlogbeat, jsonl-flat]
"""#
}
