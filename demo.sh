#!/usr/bin/env bash
# SyncEngine demo: builds the `syncengine` CLI, makes two small folders under a temporary folder and keeps them in
# sync: plan, sync, change both sides, preview with --what-if, sync again, show status and the trash; then the
# same engine through the PowerShell module in a real pwsh (installed as a local dotnet tool from
# .config/dotnet-tools.json): New-SyncPair | Get-SyncPlan | Invoke-Sync -WhatIf, a filtered run, the status.
# Needs only the .NET 10 SDK. Nothing outside the demo folder (and this repository's out/ folder) is touched.
#
#   ./demo.sh            run the demo; the demo folder is kept for you to look at
#   ./demo.sh --clean    run the demo and remove the demo folder at the end
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
clean=0
if [[ "${1:-}" == "--clean" ]]; then clean=1; fi

if ! command -v dotnet >/dev/null 2>&1; then
  echo "demo.sh: 'dotnet' was not found. Install the .NET 10 SDK first." >&2
  exit 1
fi

bold=""; plain=""
if [[ -t 1 ]]; then bold=$'\e[1m'; plain=$'\e[0m'; fi
step() { printf '\n%s==> %s%s\n' "$bold" "$*" "$plain"; }
show() { printf '%s$ %s%s\n' "$bold" "$*" "$plain"; }

# Runs syncengine, shows the command line and its exit code, and never stops the demo on a non-zero exit.
se() {
  show "syncengine $*"
  local code=0
  (cd "$demo" && dotnet "$cli" "$@") || code=$?
  echo "(exit code $code)"
}

# Prints the files of a folder (the engine's own .syncengine folder left out), one per line with their content.
tree() {
  local root="$1"
  echo "$(basename "$root")/"
  (cd "$root" && find . -path ./.syncengine -prune -o -type f -print | sed 's|^\./||' | LC_ALL=C sort) | while IFS= read -r f; do
    if [[ "$f" == *.bin ]]; then
      printf '  %-28s (%s bytes)\n' "$f" "$(wc -c <"$root/$f" | tr -d ' ')"
    else
      printf '  %-28s %s\n' "$f" "$(head -c 60 "$root/$f" | tr '\n' ' ')"
    fi
  done
}

step "Building the CLI (dotnet publish, Release)"
out="$here/out/cli"
dotnet publish "$here/src/SyncEngine.Cli/SyncEngine.Cli.csproj" -c Release -o "$out" --nologo -v quiet
cli="$out/syncengine.dll"
dotnet "$cli" --version

demo="$(mktemp -d "${TMPDIR:-/tmp}/syncengine-demo.XXXXXX")"
trap '[[ $clean == 1 ]] && rm -rf "$demo"' EXIT

step "Making a demo pair in $demo"
mkdir -p "$demo/laptop/docs" "$demo/laptop/photos" "$demo/backup"
printf 'Meeting notes\n- ship the CLI\n' >"$demo/laptop/docs/notes.md"
printf 'buy milk\n' >"$demo/laptop/docs/todo.txt"
head -c 4096 /dev/urandom >"$demo/laptop/photos/cat.bin"
head -c 2048 /dev/urandom >"$demo/laptop/photos/dog.bin"
printf 'scratch\n' >"$demo/laptop/build.tmp"
printf '# not synced\n*.tmp\n' >"$demo/laptop/.syncignore"
printf 'made on the backup drive\n' >"$demo/backup/from-backup.txt"
tree "$demo/laptop"
tree "$demo/backup"
echo "The pair's state goes to $demo/state (--state-dir), so your own state folder is not touched."

step "1. Plan the first sync: prints what would happen, changes nothing"
se plan laptop backup --state-dir state

step "2. Sync (two-way: copies both ways; build.tmp is ignored by .syncignore)"
se sync laptop backup --state-dir state
tree "$demo/laptop"
tree "$demo/backup"

step "3. A second sync finds nothing to do"
se sync laptop backup --state-dir state

step "4. Change both sides: edit and rename on the laptop, add a file on the backup, delete a photo"
sleep 1 # a clearly later modification time
printf 'Meeting notes\n- ship the CLI\n- write the README\n' >"$demo/laptop/docs/notes.md"
mv "$demo/laptop/docs/todo.txt" "$demo/laptop/docs/done.txt"
rm "$demo/laptop/photos/dog.bin"
mkdir -p "$demo/backup/shared"
printf 'quarterly report\n' >"$demo/backup/shared/report.txt"

step "5. Preview with --what-if (one line per action; nothing changes)"
se sync laptop backup --state-dir state --what-if

step "6. Sync again, with JSON lines for scripts"
se sync laptop backup --state-dir state --json
tree "$demo/laptop"
tree "$demo/backup"

step "7. The replaced and deleted versions are kept in the backup's trash"
(cd "$demo/backup/.syncengine/trash" && find . -type f | sed 's|^\./|  |' | LC_ALL=C sort)

step "8. Status of the pair"
se status --state-dir state

step "9. A bad option value exits 2 and names the option"
se sync laptop backup --state-dir state --mode sideways

step "10. The same engine from PowerShell: the SyncEngine module in pwsh 7.6 (a local dotnet tool)"
(cd "$here" && dotnet tool restore >/dev/null)
dotnet build "$here/tools/SyncEngine.Packaging/SyncEngine.Packaging.csproj" -c Release --nologo -v quiet >/dev/null
version="$(sed -n 's:.*<VersionPrefix>\(.*\)</VersionPrefix>.*:\1:p' "$here/Directory.Build.props")"
manifest="$here/out/SyncEngine/$version/SyncEngine.psd1"
mkdir -p "$demo/ps-laptop/reports" "$demo/ps-backup"
printf 'draft\n' >"$demo/ps-laptop/reports/q3.md"
printf 'figures\n' >"$demo/ps-laptop/reports/q3.csv"
printf 'old copy\n' >"$demo/ps-backup/stale.txt"
cat >"$demo/demo.ps1" <<'PS1'
param([string] $Manifest, [string] $Demo)
$ErrorActionPreference = 'Stop'
if ([Console]::IsOutputRedirected -and $PSStyle) { $PSStyle.OutputRendering = 'PlainText' }
function Show([string] $Line) { Write-Host "PS> $Line" -ForegroundColor Cyan }
Import-Module $Manifest
Set-Location $Demo
Show "Get-Command -Module SyncEngine"
Get-Command -Module SyncEngine | Format-Table -AutoSize Name, Version | Out-Host
Show "`$pair = New-SyncPair ps-laptop ps-backup -Mode mirror -StatePath ps-state -Name demo"
$pair = New-SyncPair ps-laptop ps-backup -Mode mirror -StatePath ps-state -Name demo
Show "`$pair | Get-SyncPlan"
$pair | Get-SyncPlan | Out-Host
Show "`$pair | Get-SyncPlan | Invoke-Sync -WhatIf"
$pair | Get-SyncPlan | Invoke-Sync -WhatIf
Show "`$pair | Get-SyncPlan | Where-Object Action -ne DeleteDestination | Invoke-Sync"
$pair | Get-SyncPlan | Where-Object Action -ne DeleteDestination | Invoke-Sync | Out-Host
Show "`$pair | Get-SyncPlan    # the deletion that was filtered out is still pending"
$pair | Get-SyncPlan | Out-Host
Show "`$pair | Invoke-Sync -Summary | Format-List"
$pair | Invoke-Sync -Summary | Format-List | Out-Host
Show "Get-SyncStatus -Name demo"
Get-SyncStatus -Name demo | Out-Host
Show "New-SyncPair ps-laptop ps-backup -Mode sideways    # a bad value: an ErrorRecord naming it"
try { New-SyncPair ps-laptop ps-backup -Mode sideways } catch { "{0}: {1}" -f $_.FullyQualifiedErrorId, $_.Exception.Message | Out-Host }
PS1
show "dotnet pwsh -NoProfile -File demo.ps1"
(cd "$here" && SYNCENGINE_STATE_HOME="$demo/state-home" dotnet pwsh -NoProfile -NonInteractive -File "$demo/demo.ps1" -Manifest "$manifest" -Demo "$demo") || echo "(the PowerShell demo exited with $?)"

if [[ $clean == 1 ]]; then
  step "Done; the demo folder is removed."
else
  step "Done. The demo folder is kept: $demo (remove it with: rm -rf '$demo')"
fi
