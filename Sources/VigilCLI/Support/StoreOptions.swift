import Attribution
import ArgumentParser
import Foundation
import IntelStore
import STIX
import VigilKit

/// The `--db` option every command that uses the store takes.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The Vigil database: a SQLite file path or a postgres:// URL.", valueName: "PATH|URL"))
    var db: String?

    /// `--db`, else `$VIGIL_DB`, else `$XDG_DATA_HOME/vigil/vigil.sqlite`, else
    /// `~/.local/share/vigil/vigil.sqlite`.
    var location: StoreLocation { StoreLocation.resolve(db) }

    /// Opens the store, or explains why not and exits with status 2.
    func open() throws -> any VigilStore {
        try Failure.report { try location.open() }
    }
}

extension TLPLevel: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
    public static var allValueStrings: [String] { allCases.map(\.name) }
}

/// Turns the library's errors into a message and exit status 2.
enum Failure {
    static func report<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as VigilError {
            Console.error(error.description)
            throw ExitStatus.badInput
        } catch let error as IntelStoreError {
            Console.error(error.description)
            throw ExitStatus.badInput
        }
    }

    static func report<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as VigilError {
            Console.error(error.description)
            throw ExitStatus.badInput
        } catch let error as IntelStoreError {
            Console.error(error.description)
            throw ExitStatus.badInput
        }
    }
}

/// `--victim-country` and `--victim-sector`: who was hit, for attribution.
struct VictimOptions: ParsableArguments {
    @Option(name: .customLong("victim-country"), help: ArgumentHelp("A country hit, as an ISO 3166-1 code (CZ) or an English name (repeatable); groups the MISP galaxy or their description says target it gain a little.", valueName: "CODE"))
    var countries: [String] = []
    @Option(name: .customLong("victim-sector"), help: ArgumentHelp("A sector hit, as MISP names sectors (government, diplomacy, energy, ...; repeatable).", valueName: "SECTOR"))
    var sectors: [String] = []

    func victim() throws -> Victim {
        do throws(VictimError) {
            return try Victim(countries: countries, sectors: sectors)
        } catch {
            Console.error(error.description)
            throw ExitStatus.badInput
        }
    }
}
