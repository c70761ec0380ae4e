import CZlib

/// SPDY/3 header compression: each direction of a connection is one zlib stream, primed with the
/// protocol's fixed dictionary and flushed (`Z_SYNC_FLUSH`) after every header block. The
/// contexts live as long as the connection and belong to the one task that reads (inflate) or
/// writes (deflate) header blocks.
final class SPDYHeaderInflater {
    private let stream: UnsafeMutablePointer<z_stream>

    init() throws(SPDYProtocolError) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        guard inflateInit_(stream, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            stream.deallocate()
            throw SPDYProtocolError(description: "zlib inflate could not be set up")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
    }

    /// The uncompressed bytes of one compressed header block.
    func inflate(_ input: [UInt8]) throws(SPDYProtocolError) -> [UInt8] {
        var input = input
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        let count = input.count
        let failure: String? = input.withUnsafeMutableBufferPointer { source in
            stream.pointee.next_in = source.baseAddress
            stream.pointee.avail_in = UInt32(count)
            while true {
                let (code, produced) = chunk.withUnsafeMutableBufferPointer { target in
                    stream.pointee.next_out = target.baseAddress
                    stream.pointee.avail_out = UInt32(target.count)
                    var code = CZlib.inflate(stream, Z_SYNC_FLUSH)
                    if code == Z_NEED_DICT {
                        code = SPDYDictionary.bytes.withUnsafeBufferPointer {
                            inflateSetDictionary(stream, $0.baseAddress, UInt32($0.count))
                        }
                        if code == Z_OK { code = CZlib.inflate(stream, Z_SYNC_FLUSH) }
                    }
                    return (code, target.count - Int(stream.pointee.avail_out))
                }
                output += chunk[0..<produced]
                if code == Z_BUF_ERROR && stream.pointee.avail_in == 0 { return nil }
                guard code == Z_OK else { return "zlib inflate failed (\(code))" }
                if stream.pointee.avail_in == 0 && stream.pointee.avail_out != 0 { return nil }
            }
        }
        stream.pointee.next_in = nil
        if let failure { throw SPDYProtocolError(description: "SPDY header block: \(failure)") }
        return output
    }
}

final class SPDYHeaderDeflater {
    private let stream: UnsafeMutablePointer<z_stream>

    init() throws(SPDYProtocolError) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let ready =
            deflateInit_(stream, Z_DEFAULT_COMPRESSION, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK
            && SPDYDictionary.bytes.withUnsafeBufferPointer {
                deflateSetDictionary(stream, $0.baseAddress, UInt32($0.count))
            } == Z_OK
        guard ready else {
            deflateEnd(stream)
            stream.deallocate()
            throw SPDYProtocolError(description: "zlib deflate could not be set up")
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
    }

    /// One header block, compressed and flushed so the peer can decode it on its own.
    func deflate(_ input: [UInt8]) -> [UInt8] {
        var input = input
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        let count = input.count
        input.withUnsafeMutableBufferPointer { source in
            stream.pointee.next_in = source.baseAddress
            stream.pointee.avail_in = UInt32(count)
            repeat {
                let produced = chunk.withUnsafeMutableBufferPointer { target in
                    stream.pointee.next_out = target.baseAddress
                    stream.pointee.avail_out = UInt32(target.count)
                    _ = CZlib.deflate(stream, Z_SYNC_FLUSH)
                    return target.count - Int(stream.pointee.avail_out)
                }
                output += chunk[0..<produced]
            } while stream.pointee.avail_out == 0
        }
        stream.pointee.next_in = nil
        return output
    }
}

/// The SPDY/3 header compression dictionary (1423 bytes; sha256 51d27341…7f02), as kubectl's
/// SPDY library primes zlib with it.
enum SPDYDictionary {
    static let bytes: [UInt8] = Array(
        """
        \u{00}\u{00}\u{00}\u{07}options\u{00}\u{00}\u{00}\u{04}head\u{00}\u{00}\u{00}\u{04}post\u{00}\u{00}\u{00}\
        \u{03}put\u{00}\u{00}\u{00}\u{06}delete\u{00}\u{00}\u{00}\u{05}trace\u{00}\u{00}\u{00}\u{06}accept\u{00}\
        \u{00}\u{00}\u{0E}accept-charset\u{00}\u{00}\u{00}\u{0F}accept-encoding\u{00}\u{00}\u{00}\u{0F}accept\
        -language\u{00}\u{00}\u{00}\u{0D}accept-ranges\u{00}\u{00}\u{00}\u{03}age\u{00}\u{00}\u{00}\u{05}allo\
        w\u{00}\u{00}\u{00}\u{0D}authorization\u{00}\u{00}\u{00}\u{0D}cache-control\u{00}\u{00}\u{00}\u{0A}co\
        nnection\u{00}\u{00}\u{00}\u{0C}content-base\u{00}\u{00}\u{00}\u{10}content-encoding\u{00}\u{00}\u{00}\
        \u{10}content-language\u{00}\u{00}\u{00}\u{0E}content-length\u{00}\u{00}\u{00}\u{10}content-location\u{00}\
        \u{00}\u{00}\u{0B}content-md5\u{00}\u{00}\u{00}\u{0D}content-range\u{00}\u{00}\u{00}\u{0C}content-typ\
        e\u{00}\u{00}\u{00}\u{04}date\u{00}\u{00}\u{00}\u{04}etag\u{00}\u{00}\u{00}\u{06}expect\u{00}\u{00}\u{00}\
        \u{07}expires\u{00}\u{00}\u{00}\u{04}from\u{00}\u{00}\u{00}\u{04}host\u{00}\u{00}\u{00}\u{08}if-match\
        \u{00}\u{00}\u{00}\u{11}if-modified-since\u{00}\u{00}\u{00}\u{0D}if-none-match\u{00}\u{00}\u{00}\u{08}\
        if-range\u{00}\u{00}\u{00}\u{13}if-unmodified-since\u{00}\u{00}\u{00}\u{0D}last-modified\u{00}\u{00}\u{00}\
        \u{08}location\u{00}\u{00}\u{00}\u{0C}max-forwards\u{00}\u{00}\u{00}\u{06}pragma\u{00}\u{00}\u{00}\u{12}\
        proxy-authenticate\u{00}\u{00}\u{00}\u{13}proxy-authorization\u{00}\u{00}\u{00}\u{05}range\u{00}\u{00}\
        \u{00}\u{07}referer\u{00}\u{00}\u{00}\u{0B}retry-after\u{00}\u{00}\u{00}\u{06}server\u{00}\u{00}\u{00}\
        \u{02}te\u{00}\u{00}\u{00}\u{07}trailer\u{00}\u{00}\u{00}\u{11}transfer-encoding\u{00}\u{00}\u{00}\u{07}\
        upgrade\u{00}\u{00}\u{00}\u{0A}user-agent\u{00}\u{00}\u{00}\u{04}vary\u{00}\u{00}\u{00}\u{03}via\u{00}\
        \u{00}\u{00}\u{07}warning\u{00}\u{00}\u{00}\u{10}www-authenticate\u{00}\u{00}\u{00}\u{06}method\u{00}\
        \u{00}\u{00}\u{03}get\u{00}\u{00}\u{00}\u{06}status\u{00}\u{00}\u{00}\u{06}200 OK\u{00}\u{00}\u{00}\u{07}\
        version\u{00}\u{00}\u{00}\u{08}HTTP/1.1\u{00}\u{00}\u{00}\u{03}url\u{00}\u{00}\u{00}\u{06}public\u{00}\
        \u{00}\u{00}\u{0A}set-cookie\u{00}\u{00}\u{00}\u{0A}keep-alive\u{00}\u{00}\u{00}\u{06}origin100101201\
        202205206300302303304305306307402405406407408409410411412413414415416417502504505203 Non-Authoritativ\
        e Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized403 Forbidden404 Not F\
        ound500 Internal Server Error501 Not Implemented503 Service UnavailableJan Feb Mar Apr May Jun Jul Au\
        g Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMTchunked,text/html,image/png,image/j\
        pg,image/gif,application/xml,application/xhtml+xml,text/plain,text/javascript,publicprivatemax-age=gz\
        ip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.
        """.utf8)
}
