using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;

namespace Farm.Cache.Keys;

/// <summary>
/// SHA-256 (FIPS 180-4) in managed code, incremental. farm-cc starts once per compile, and loading and initialising
/// OpenSSL (what <see cref="System.Security.Cryptography.SHA256"/> calls on Linux) cost about 5 ms of each
/// start, more than the hashing a cache hit does. Same digests, byte for byte (tested against the platform's). A process
/// that lives long (the resident helper) pays that load once and hashes with the platform's, which uses the CPU's SHA
/// instructions: a quarter of the helper's samples were this class's compression function.
/// </summary>
public sealed class Sha256
{
    private static volatile bool s_platform;

    private static readonly uint[] K =
    [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ];

    private readonly uint[] _state = new uint[8];
    private readonly uint[] _schedule = new uint[64];
    private readonly byte[] _block = new byte[64];
    private readonly IncrementalHash? _platform;
    private int _buffered;
    private ulong _length;

    public Sha256()
    {
        _platform = s_platform ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;
        Reset();
    }

    /// <summary>
    /// Hashes with the platform's SHA-256 from now on, in this whole process, when it loads (OpenSSL on Linux); false,
    /// and the managed code kept, when it does not.
    /// </summary>
    public static bool UsePlatform()
    {
        try
        {
            s_platform = SHA256.HashData("abc"u8).AsSpan().SequenceEqual(Convert.FromHexString("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
        }
        catch (Exception error) when (error is CryptographicException or PlatformNotSupportedException or DllNotFoundException or TypeInitializationException)
        {
            s_platform = false;
        }

        return s_platform;
    }

    public static byte[] HashData(ReadOnlySpan<byte> data)
    {
        if (s_platform)
        {
            return SHA256.HashData(data);
        }

        var hash = new Sha256();
        hash.AppendData(data);
        return hash.GetHashAndReset();
    }

    /// <summary>The digest in lower-case hex, as keys and digests are written.</summary>
    public static string Hex(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(HashData(data));

    public void AppendData(ReadOnlySpan<byte> data)
    {
        if (_platform is not null)
        {
            _platform.AppendData(data);
            return;
        }

        _length += (ulong)data.Length;
        if (_buffered > 0)
        {
            var take = Math.Min(64 - _buffered, data.Length);
            data[..take].CopyTo(_block.AsSpan(_buffered));
            _buffered += take;
            data = data[take..];
            if (_buffered < 64)
            {
                return;
            }

            Compress(_block);
            _buffered = 0;
        }

        while (data.Length >= 64)
        {
            Compress(data[..64]);
            data = data[64..];
        }

        data.CopyTo(_block);
        _buffered = data.Length;
    }

    public byte[] GetHashAndReset()
    {
        if (_platform is not null)
        {
            return _platform.GetHashAndReset();
        }

        var bits = _length * 8;
        Span<byte> padding = stackalloc byte[72];
        padding.Clear();
        padding[0] = 0x80;
        var padLength = (_buffered < 56 ? 56 : 120) - _buffered;
        BinaryPrimitives.WriteUInt64BigEndian(padding[padLength..], bits);
        AppendData(padding[..(padLength + 8)]);
        var digest = new byte[32];
        for (var i = 0; i < 8; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(digest.AsSpan(i * 4), _state[i]);
        }

        Reset();
        return digest;
    }

    private void Reset()
    {
        _state[0] = 0x6a09e667;
        _state[1] = 0xbb67ae85;
        _state[2] = 0x3c6ef372;
        _state[3] = 0xa54ff53a;
        _state[4] = 0x510e527f;
        _state[5] = 0x9b05688c;
        _state[6] = 0x1f83d9ab;
        _state[7] = 0x5be0cd19;
        _buffered = 0;
        _length = 0;
    }

    private void Compress(ReadOnlySpan<byte> block)
    {
        var w = _schedule;
        for (var i = 0; i < 16; i++)
        {
            w[i] = BinaryPrimitives.ReadUInt32BigEndian(block[(i * 4)..]);
        }

        for (var i = 16; i < 64; i++)
        {
            var s0 = BitOperations.RotateRight(w[i - 15], 7) ^ BitOperations.RotateRight(w[i - 15], 18) ^ (w[i - 15] >> 3);
            var s1 = BitOperations.RotateRight(w[i - 2], 17) ^ BitOperations.RotateRight(w[i - 2], 19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }

        uint a = _state[0], b = _state[1], c = _state[2], d = _state[3], e = _state[4], f = _state[5], g = _state[6], h = _state[7];
        for (var i = 0; i < 64; i++)
        {
            var t1 = h + (BitOperations.RotateRight(e, 6) ^ BitOperations.RotateRight(e, 11) ^ BitOperations.RotateRight(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
            var t2 = (BitOperations.RotateRight(a, 2) ^ BitOperations.RotateRight(a, 13) ^ BitOperations.RotateRight(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
            h = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }

        _state[0] += a;
        _state[1] += b;
        _state[2] += c;
        _state[3] += d;
        _state[4] += e;
        _state[5] += f;
        _state[6] += g;
        _state[7] += h;
    }
}
