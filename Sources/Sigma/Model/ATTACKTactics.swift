/// ATT&CK tactic names as Sigma tags write them (`attack.defense_evasion`), and their ids.
///
/// Enterprise, Mobile and ICS tactics share names where they mean the same; where a name exists
/// in several matrices the Enterprise id is given, which is what Sigma's Windows and Linux
/// rules mean.
enum ATTACKTactics {
    static let byName: [String: String] = [
        "reconnaissance": "TA0043",
        "resource_development": "TA0042",
        "initial_access": "TA0001",
        "execution": "TA0002",
        "persistence": "TA0003",
        "privilege_escalation": "TA0004",
        "defense_evasion": "TA0005",
        "credential_access": "TA0006",
        "discovery": "TA0007",
        "lateral_movement": "TA0008",
        "collection": "TA0009",
        "command_and_control": "TA0011",
        "exfiltration": "TA0010",
        "impact": "TA0040",
        // ICS-only tactics.
        "inhibit_response_function": "TA0107",
        "impair_process_control": "TA0106",
        "evasion": "TA0103",
    ]
}
