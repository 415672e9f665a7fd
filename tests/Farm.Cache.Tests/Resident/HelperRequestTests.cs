using System.Text;
using Farm.Cache.Resident;

namespace Farm.Cache.Tests.Resident;

/// <summary>The request the helper reads: what the front writes, and nothing else (a bound on what a caller makes it read).</summary>
public sealed class HelperRequestTests
{
    private static readonly HelperRequest Sample = new(
        "/build/app",
        ["gcc", "-c", "main.c", "-o", "main.o", "-DNAME=\"ü\""],
        new Dictionary<string, string>(StringComparer.Ordinal) { ["FARM_CACHE_DIR"] = "/cache", ["PATH"] = "/usr/bin:/bin", ["FARM_CACHE_PREFIX_MAP"] = "/a=b=c" });

    [Fact]
    public void Read_WhatTheFrontWrites_IsTheRequest()
    {
        var read = HelperRequest.Read(new MemoryStream(Sample.ToBytes()));

        Assert.NotNull(read);
        Assert.Equal(Sample.WorkingDirectory, read.WorkingDirectory);
        Assert.Equal(Sample.Arguments, read.Arguments);
        Assert.Equal(Sample.Environment.OrderBy(p => p.Key), read.Environment.OrderBy(p => p.Key));
    }

    [Fact]
    public void Read_CutShortAnywhere_IsRefused()
    {
        var bytes = Sample.ToBytes();
        for (var length = 0; length < bytes.Length; length++)
        {
            Assert.Null(HelperRequest.Read(new MemoryStream(bytes[..length])));
        }
    }

    [Fact]
    public void Read_WrongMagic_IsRefused()
    {
        var bytes = Sample.ToBytes();
        bytes[3] = (byte)'2';

        Assert.Null(HelperRequest.Read(new MemoryStream(bytes)));
    }

    [Fact]
    public void Read_RelativeDirectoryOrNoCompiler_IsRefused()
    {
        Assert.Null(HelperRequest.Read(new MemoryStream((Sample with { WorkingDirectory = "build" }).ToBytes())));
        Assert.Null(HelperRequest.Read(new MemoryStream((Sample with { Arguments = [] }).ToBytes())));
    }

    [Fact]
    public void Read_LengthBeyondTheBound_IsRefusedWithoutReadingIt()
    {
        // "FCC1", then a directory said to be 4 GiB long, of which nothing follows: refused at once, not awaited.
        var bytes = Encoding.ASCII.GetBytes("FCC1").Concat(new byte[] { 0xff, 0xff, 0xff, 0xff }).ToArray();

        Assert.Null(HelperRequest.Read(new MemoryStream(bytes)));
    }

    [Fact]
    public void Read_ManyStringsWithinTheByteBound_StopsAtTheByteBound()
    {
        using var stream = new MemoryStream();
        stream.Write("FCC1"u8);
        stream.Write(BitConverter.GetBytes(1));
        stream.Write("/"u8);
        stream.Write(BitConverter.GetBytes(60_000));
        for (var i = 0; i < 60_000; i++)
        {
            stream.Write(BitConverter.GetBytes(200));
            stream.Write(new byte[200]);
        }

        Assert.Null(HelperRequest.Read(new MemoryStream(stream.ToArray())));
    }
}
