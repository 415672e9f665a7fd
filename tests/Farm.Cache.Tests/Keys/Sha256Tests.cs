using CsCheck;
using Farm.Cache.Keys;

namespace Farm.Cache.Tests.Keys;

/// <summary>The managed SHA-256 gives the platform's digests: known vectors, every length around the block edges, any chunking.</summary>
public sealed class Sha256Tests
{
    [Theory]
    [InlineData("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    [InlineData("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")]
    public void HashData_KnownVectors(string text, string expected) =>
        Assert.Equal(expected, Sha256.Hex(System.Text.Encoding.ASCII.GetBytes(text)));

    [Fact]
    public void HashData_EveryLengthUpTo300_MatchesThePlatform()
    {
        var data = Enumerable.Range(0, 300).Select(i => (byte)(i * 7 + 3)).ToArray();
        for (var length = 0; length <= data.Length; length++)
        {
            Assert.Equal(System.Security.Cryptography.SHA256.HashData(data.AsSpan(0, length)), Sha256.HashData(data.AsSpan(0, length)));
        }
    }

    [Fact]
    public void AppendData_AnyChunking_MatchesThePlatform() =>
        Gen.Byte.Array[0, 2000].SelectMany(bytes => Gen.Int[1, 130].Select(chunk => (bytes, chunk))).Sample(sample =>
        {
            var hash = new Sha256();
            for (var offset = 0; offset < sample.bytes.Length; offset += sample.chunk)
            {
                hash.AppendData(sample.bytes.AsSpan(offset, Math.Min(sample.chunk, sample.bytes.Length - offset)));
            }

            Assert.Equal(System.Security.Cryptography.SHA256.HashData(sample.bytes), hash.GetHashAndReset());
            Assert.Equal(System.Security.Cryptography.SHA256.HashData(ReadOnlySpan<byte>.Empty), hash.GetHashAndReset());
        });
}
