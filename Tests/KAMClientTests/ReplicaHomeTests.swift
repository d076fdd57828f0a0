import KAMClient
import Testing

@Suite("Replica home")
struct ReplicaHomeTests {
    @Test("the home: --home, then KAM_HOME, then XDG_DATA_HOME/kam, then ~/.local/share/kam")
    func resolution() {
        let env = ["HOME": "/home/li", "XDG_DATA_HOME": "/xdg", "KAM_HOME": "/kam"]
        #expect(ReplicaHome.resolve(explicit: "/h", environment: env).url.path == "/h")
        #expect(ReplicaHome.resolve(explicit: nil, environment: env).url.path == "/kam")
        #expect(ReplicaHome.resolve(explicit: nil, environment: ["XDG_DATA_HOME": "/xdg"]).url.path == "/xdg/kam")
        #expect(ReplicaHome.resolve(explicit: nil, environment: ["HOME": "/home/li"]).url.path == "/home/li/.local/share/kam")
        #expect(ReplicaHome.resolve(explicit: "", environment: ["HOME": "/home/li"]).databaseURL.path
            == "/home/li/.local/share/kam/replica.sqlite")
    }
}
