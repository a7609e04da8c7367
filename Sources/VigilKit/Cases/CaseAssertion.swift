import STIX
import IntelStore

extension CaseNote {
    /// An analyst's assertion that the intruder used an ATT&CK technique (`T1566`,
    /// `T1566.002`), software (`S0154`), a DISARM influence-operation technique (`T0049`,
    /// `T0097.101`: DISARM's ids stay below ATT&CK's T0800) or a DISARM actor type (`A003`);
    /// refused when the id is none of them.
    public static func assertion(_ id: String, comment: String, author: String, at time: String) throws(VigilError) -> CaseNote {
        let upper = id.uppercased()
        let kind: CaseNote.Kind
        if DISARM.isTechniqueID(upper) {
            kind = .influence
        } else if upper.wholeMatch(of: /T\d{4}(\.\d{3})?/) != nil {
            kind = .technique
        } else if upper.wholeMatch(of: /S\d{4}/) != nil {
            kind = .software
        } else if upper.wholeMatch(of: /A\d{3}/) != nil {
            kind = .influenceActor
        } else {
            throw .invalid("'\(id)' is neither an ATT&CK technique id (T1566 or T1566.002), a software id (S0154), a DISARM technique id (T0049) nor a DISARM actor type (A003)")
        }
        return CaseNote(kind: kind, text: upper, comment: comment, author: author, at: time)
    }
}
