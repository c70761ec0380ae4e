/// Mesos-DNS' name mangling (records/labels): a task or framework name becomes a valid RFC 1123 label
/// — lower case, `-`, `.` and `_` become `-`, any other character is removed, no leading or trailing
/// `-`, at most 63 characters.
public enum DNSLabels {
    public static let maxLabelLength = 63

    /// One label: Marathon's task name `api.prod` (app `/prod/api`) becomes `api-prod`.
    public static func rfc1123(_ name: String) -> String {
        var mapped: [Character] = []
        for scalar in name.unicodeScalars {
            switch scalar {
            case "A"..."Z": mapped.append(Character(String(scalar).lowercased()))
            case "a"..."z", "0"..."9": mapped.append(Character(scalar))
            case "-", ".", "_": mapped.append("-")
            default: continue
            }
        }
        let trimmed = mapped.drop(while: { $0 == "-" })
        let size = min(trimmed.count, maxLabelLength)
        var head = Array(trimmed.prefix(size))
        while head.last == "-" { head.removeLast() }
        if head.count < size {
            // Mesos-DNS refills a label cut short by trailing dashes from what follows the cut.
            let tail = trimmed.dropFirst(size).drop(while: { $0 == "-" })
            head += tail.prefix(size - head.count)
        }
        return String(head)
    }

    /// A dotted name such as a framework name: each dot-separated part mangled, empty parts dropped.
    public static func domainFragment(_ name: String) -> String {
        name.split(separator: ".", omittingEmptySubsequences: false).map { rfc1123(String($0)) }.filter {
            !$0.isEmpty
        }.joined(separator: ".")
    }

    /// The 5-character hash in canonical task names: the first 5 zbase32 characters of SHA-1(task ID).
    public static func taskIDHash(_ taskID: String) -> String {
        let digest = SHA1.digest(Array(taskID.utf8))
        return String(zbase32(digest).prefix(5))
    }

    /// The last `-`-separated field of an agent ID, lower-cased (`…-S3` → `s3`).
    public static func agentIDTail(_ agentID: String) -> String {
        (agentID.split(separator: "-", omittingEmptySubsequences: false).last.map(String.init) ?? agentID)
            .lowercased()
    }

    /// z-base-32 (human-oriented base 32), as Mesos-DNS uses for its hashes.
    static func zbase32(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ybndrfg8ejkmcpqxot1uwisza345h769")
        var output: [Character] = []
        var buffer: UInt32 = 0
        var bits = 0
        for byte in bytes {
            buffer = buffer << 8 | UInt32(byte)
            bits += 8
            while bits >= 5 {
                output.append(alphabet[Int((buffer >> UInt32(bits - 5)) & 0x1F)])
                bits -= 5
            }
            buffer &= (1 << UInt32(bits)) - 1
        }
        if bits > 0 { output.append(alphabet[Int((buffer << UInt32(5 - bits)) & 0x1F)]) }
        return String(output)
    }
}

/// SHA-1 (FIPS 180-4), only for Mesos-DNS' stable canonical names — not for anything secret.
enum SHA1 {
    static func digest(_ message: [UInt8]) -> [UInt8] {
        var state: [UInt32] = [0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0]
        var padded = message
        padded.append(0x80)
        while padded.count % 64 != 56 { padded.append(0) }
        let bitLength = UInt64(message.count) &* 8
        for shift in stride(from: 56, through: 0, by: -8) { padded.append(UInt8((bitLength >> UInt64(shift)) & 0xFF)) }
        for chunk in stride(from: 0, to: padded.count, by: 64) {
            compress(&state, padded[chunk..<chunk + 64])
        }
        return state.flatMap { word in [24, 16, 8, 0].map { UInt8((word >> UInt32($0)) & 0xFF) } }
    }

    private static func compress(_ state: inout [UInt32], _ block: ArraySlice<UInt8>) {
        var words = [UInt32](repeating: 0, count: 80)
        let base = block.startIndex
        for index in 0..<16 {
            let at = base + index * 4
            words[index] =
                UInt32(block[at]) << 24 | UInt32(block[at + 1]) << 16 | UInt32(block[at + 2]) << 8
                | UInt32(block[at + 3])
        }
        for index in 16..<80 {
            let mixed = words[index - 3] ^ words[index - 8] ^ words[index - 14] ^ words[index - 16]
            words[index] = mixed << 1 | mixed >> 31
        }
        var (a, b, c, d, e) = (state[0], state[1], state[2], state[3], state[4])
        for index in 0..<80 {
            let (f, k): (UInt32, UInt32) =
                switch index {
                case 0..<20: ((b & c) | (~b & d), 0x5A82_7999)
                case 20..<40: (b ^ c ^ d, 0x6ED9_EBA1)
                case 40..<60: ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC)
                default: (b ^ c ^ d, 0xCA62_C1D6)
                }
            let temp = (a << 5 | a >> 27) &+ f &+ e &+ k &+ words[index]
            (e, d, c, b, a) = (d, c, b << 30 | b >> 2, a, temp)
        }
        state[0] &+= a
        state[1] &+= b
        state[2] &+= c
        state[3] &+= d
        state[4] &+= e
    }
}
