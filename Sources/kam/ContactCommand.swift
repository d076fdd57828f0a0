import ArgumentParser
import Foundation
import KAMClient
import KAMProtocol
import KAMTables

extension Kam {
    struct ContactCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "contact", abstract: "The people at an account and their roles in buying.",
            subcommands: [Add.self, List.self, Set.self, Move.self, Remove.self])
    }
}

extension Kam.ContactCommand {
    struct Add: KamCommand {
        static let configuration = CommandConfiguration(commandName: "add", abstract: "Add a contact to an account and print its id.")

        @OptionGroup var home: HomeOptions
        @Argument(help: "The account: its name or id, or the start of either.") var account: String
        @Argument(help: "The contact's name.") var name: String
        @Option var title: String?
        @Option(help: "decision-maker, influencer, user, gatekeeper or inside-coach.") var role: BuyingRole?
        @Option var email: String?
        @Option var phone: String?
        @Option var notes: String?

        func execute() async throws {
            let contact = try home.replica().addContact(account, name: name, title: title, role: role, email: email, phone: phone, notes: notes)
            print(contact.id)
        }
    }

    struct List: KamCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the contacts of an account, or of all.")

        @OptionGroup var home: HomeOptions
        @OptionGroup var output: JSONOption
        @OptionGroup var csv: CSVOption
        @Argument(help: "The account (default: all).") var account: String?

        func execute() async throws {
            let replica = try home.replica()
            let contacts = try replica.records(Contact.self, account: account).sorted { ($0.name, $0.id) < ($1.name, $1.id) }
            let names = try replica.accountNames()
            if try csv.print(RecordTable.contacts(contacts, accountNames: names), json: output.json) { return }
            if output.json { return try printJSON(contacts) }
            table(["ID", "NAME", "TITLE", "ROLE", "ACCOUNT", "EMAIL", "PHONE"], contacts.map {
                [short($0.id), $0.name, $0.title ?? "", $0.role.text, names[$0.account] ?? "", $0.email ?? "", $0.phone ?? ""]
            })
        }
    }

    struct Set: KamCommand {
        static let configuration = CommandConfiguration(commandName: "set", abstract: "Change fields of a contact.")

        @OptionGroup var home: HomeOptions
        @Argument(help: "The contact's id or the start of it.") var contact: String
        @Option var name: String?
        @Option var title: String?
        @Option(help: "decision-maker, influencer, user, gatekeeper or inside-coach.") var role: BuyingRole?
        @Option var email: String?
        @Option var phone: String?
        @Option var notes: String?
        @Option(help: "A field to clear (repeatable).") var clear: [String] = []

        func execute() async throws {
            let changes = fieldChanges(
                ["name": name, "title": title, "role": role?.rawValue, "email": email, "phone": phone, "notes": notes], clear: clear)
            try home.replica().setContact(contact, changes)
        }
    }

    struct Move: KamCommand {
        static let configuration = CommandConfiguration(
            commandName: "move",
            abstract: "Move a contact to another account.",
            discussion: "The server takes the move from a user who may write both accounts; readers of the old account see it leave.")

        @OptionGroup var home: HomeOptions
        @Argument(help: "The contact's id or the start of it.") var contact: String
        @Option(help: "The account it moves to: its name or id, or the start of either.") var to: String

        func execute() async throws {
            let replica = try home.replica()
            let account = try replica.moveContact(contact, to: to)
            let name = try replica.accountNames()[account] ?? account.rawValue
            FileHandle.standardError.write(Data("moved to \(safe(name)); the server takes it with the next 'kam sync'\n".utf8))
        }
    }

    struct Remove: KamCommand {
        static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove a contact.")

        @OptionGroup var home: HomeOptions
        @Argument(help: "The contact's id or the start of it.") var contact: String

        func execute() async throws {
            let id = try home.replica().removeContact(contact)
            FileHandle.standardError.write(Data("removed \(safe(id.rawValue))\n".utf8))
        }
    }
}
