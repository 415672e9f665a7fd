using Farm.Core.IO;

namespace Farm.Worker.Builders;

/// <summary>
/// Library origins (the upstream archives a Unikraft library's <c>Makefile.uk</c> downloads with <c>$(call fetch,...)</c>:
/// lwIP's zip, musl's tarball) for builds that have no network. Unikraft downloads through <c>$(WGET) ... -O FILE URL</c>;
/// the worker passes a <c>WGET=</c> of its own that copies <c>URL</c>'s file name from the origins directory
/// (<c>Farm__Worker__OriginsDirectory</c>) and otherwise fails with a line saying what to put there. The library's own
/// checksum rule (<c>LIB..._ORIGIN_SHA256</c>) still checks what was copied, so a mirror cannot change the sources.
/// </summary>
internal static class LibraryOrigins
{
    public const string Variable = "Farm__Worker__OriginsDirectory";

    private const string Script = """
        #!/bin/sh
        # Written by the farm: Unikraft's WGET for a build without network (see LibraryOrigins).
        out=; url=
        while [ $# -gt 0 ]; do
          case "$1" in
            -O) out=$2; shift 2 ;;
            -*) shift ;;
            *) url=$1; shift ;;
          esac
        done
        name=${url##*/}
        if [ -n "$FARM_ORIGINS" ] && [ -n "$name" ] && [ -f "$FARM_ORIGINS/$name" ] && [ -n "$out" ]; then
          exec cp -- "$FARM_ORIGINS/$name" "$out"
        fi
        echo "farm: cannot download $url: builds have no network; put $name in the worker's origins directory (Farm__Worker__OriginsDirectory${FARM_ORIGINS:+, now $FARM_ORIGINS})" >&2
        exit 1
        """;

    /// <summary>The origins directory (<see cref="Settings.WorkerOptions.OriginsDirectory"/>), when configured and present.</summary>
    public static string? Directory(string? configured) =>
        configured is { Length: > 0 } && System.IO.Directory.Exists(configured)
            ? Path.GetFullPath(configured)
            : null;

    /// <summary>Writes the WGET stand-in into the build directory and returns its path.</summary>
    public static async Task<string> WriteFetcherAsync(string buildDirectory, CancellationToken cancellationToken)
    {
        var path = Path.Combine(buildDirectory, "farm-fetch");
        await InPlaceWrite.WriteAllTextAsync(path, Script.Replace("\r", string.Empty, StringComparison.Ordinal) + "\n", cancellationToken).ConfigureAwait(false);
        File.SetUnixFileMode(path, (UnixFileMode)0x1ED);
        return path;
    }
}
