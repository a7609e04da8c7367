/// The field mapping Vigil ships with, as the JSON document `FieldMappings` reads (the same
/// format a user's `--field-map FILE` has). It is data kept in a Swift string so that the
/// program needs no resource files.
public enum DefaultFieldMappings {
    public static let json = #"""
    {
      "version": 1,
      "forms": {
        "evtx": {
          "naming": "last",
          "rename": {
            "Event.#attributes.xmlns": "",
            "Event.System.Provider.#attributes.Name": "Provider_Name",
            "Event.System.Provider.#attributes.Guid": "Provider_Guid",
            "Event.System.Provider.#attributes.EventSourceName": "EventSourceName",
            "Event.System.TimeCreated.#attributes.SystemTime": "SystemTime",
            "Event.System.Correlation.#attributes.ActivityID": "ActivityID",
            "Event.System.Correlation.#attributes.RelatedActivityID": "RelatedActivityID",
            "Event.System.Execution.#attributes.ProcessID": "ProcessID",
            "Event.System.Execution.#attributes.ThreadID": "ThreadID",
            "Event.System.Security.#attributes.UserID": "UserID",
            "Event.System.EventID.#attributes.Qualifiers": "Qualifiers",
            "Event.EventData.Data.#text": "Data",
            "Event.UserData.*": "*"
          },
          "time": ["SystemTime"]
        },
        "winlogbeat": {
          "naming": "path",
          "rename": {
            "winlog.event_data.*": "*",
            "winlog.user_data.*": "*",
            "winlog.event_id": "EventID",
            "winlog.channel": "Channel",
            "winlog.provider_name": "Provider_Name",
            "winlog.provider_guid": "Provider_Guid",
            "winlog.computer_name": "Computer",
            "winlog.record_id": "EventRecordID",
            "winlog.process.pid": "ProcessID",
            "winlog.process.thread.id": "ThreadID",
            "winlog.task": "Task",
            "winlog.opcode": "Opcode",
            "winlog.keywords": "Keywords",
            "winlog.version": "Version",
            "winlog.user.identifier": "UserID",
            "process.executable": "Image",
            "process.command_line": "CommandLine",
            "process.pid": "ProcessId",
            "process.parent.executable": "ParentImage",
            "process.parent.command_line": "ParentCommandLine",
            "process.parent.pid": "ParentProcessId",
            "process.working_directory": "CurrentDirectory",
            "file.path": "TargetFilename",
            "registry.path": "TargetObject",
            "source.ip": "SourceIp",
            "source.port": "SourcePort",
            "destination.ip": "DestinationIp",
            "destination.port": "DestinationPort",
            "dns.question.name": "QueryName"
          },
          "time": ["@timestamp", "event.created"]
        },
        "flat": {
          "naming": "path",
          "rename": {
            "Hostname": "Computer",
            "SourceName": "Provider_Name",
            "ProviderName": "Provider_Name"
          },
          "time": ["TimeCreated", "@timestamp", "UtcTime", "EventTime", "TimeGenerated", "Timestamp", "EventReceivedTime"]
        },
        "zeek": {
          "naming": "path",
          "rename": {
            "id_orig_h": "id.orig_h",
            "id_orig_p": "id.orig_p",
            "id_resp_h": "id.resp_h",
            "id_resp_p": "id.resp_p"
          },
          "time": ["ts"]
        },
        "auditd": {
          "naming": "path",
          "rename": {},
          "time": []
        },
        "csv": {
          "naming": "path",
          "rename": {},
          "time": ["@timestamp", "timestamp", "TimeCreated", "UtcTime", "time", "Time", "datetime", "date"]
        }
      },
      "aliases": [
        {
          "when": {"Channel": "Security", "EventID": "4688"},
          "fields": {"NewProcessName": "Image", "ParentProcessName": "ParentImage"}
        },
        {
          "when": {"Channel": "Security", "EventID": "4689"},
          "fields": {"ProcessName": "Image"}
        }
      ]
    }
    """#
}
