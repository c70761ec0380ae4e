import AgentCore
import MesosModel
import Testing

@Suite("AgentCore: port environment")
struct PortEnvironmentTests {
    @Test("ports resources become PORT0…PORTn and PORTS, lowest first")
    func portsBecomeEnvironment() {
        let resources: [Resource] = [
            .scalar("cpus", 0.1), .ranges("ports", [31010...31010, 31005...31006]),
        ]
        let env = AgentCore.portEnvironment(resources)
        #expect(env == ["PORT0": "31005", "PORT1": "31006", "PORT2": "31010", "PORTS": "31005,31006,31010"])
    }

    @Test("no ports, no variables")
    func noPorts() {
        #expect(AgentCore.portEnvironment([.scalar("cpus", 1)]).isEmpty)
    }
}
