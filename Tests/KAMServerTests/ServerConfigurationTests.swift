import KAMServer
import Testing

@Suite("Server configuration")
struct ServerConfigurationTests {
    @Test("the data folder: flag, then KAM_SERVER_DATA, then XDG, then home")
    func dataDirectory() {
        let env = ["HOME": "/home/li", "XDG_DATA_HOME": "/xdg", "KAM_SERVER_DATA": "/srv/kam"]
        #expect(ServerConfiguration.dataDirectory(explicit: "/data", environment: env).path == "/data")
        #expect(ServerConfiguration.dataDirectory(explicit: nil, environment: env).path == "/srv/kam")
        #expect(ServerConfiguration.dataDirectory(explicit: nil, environment: ["XDG_DATA_HOME": "/xdg"]).path == "/xdg/kam-server")
        #expect(ServerConfiguration.dataDirectory(explicit: nil, environment: ["HOME": "/home/li", "XDG_DATA_HOME": "relative"]).path
            == "/home/li/.local/share/kam-server")
    }

    @Test("it listens on loopback port 8080 unless told otherwise")
    func defaults() {
        let configuration = ServerConfiguration(dataDirectory: .init(fileURLWithPath: "/tmp"))
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.port == 8080)
    }
}
