#!/usr/bin/env bash
# Rebuilds this fixture folder from a ThreatExchange vector set laid out as repo/ (verbatim repository files)
# and derived/ (outputs of the reference hashers), e.g. after the upstream snapshot changes:
#   Tests/Fixtures/threatexchange/make-subset.sh /path/to/vectors/threatexchange
# It copies the files listed below, byte for byte, and keeps only the derived CSV rows whose image is
# copied, so every row a test reads names a file that is here. PROVENANCE.md says what each file is.
set -euo pipefail
source_dir=${1:?usage: make-subset.sh VECTORS_DIR}
here=$(cd "$(dirname "$0")" && pwd)

# Repository files (paths under repo/), chosen to stay near 25 MB: every image format and mode, the
# bridge edits and dihedral set, one 4032x3024 EXIF-rotated photo, the MIH needles/haystack, two vPDQ
# sample videos with their published per-frame hashes.
images=(
    pdq/data/bridge-mods/{aaa-orig,blur-a-little,blur-a-lot,high-contrast,high-saturation,sharpen-a-little,sharpen-a-lot,shrink-a-little,shrink-a-lot,square-128x128,square-256x256,square-512x512}.jpg
    pdq/data/misc-images/{c.png,small.jpg,wee.jpg}
    pdq/data/misc-images/modes/{1.png,CMYK.jpg,F.webp,HSV.webp,I.webp,L.png,LA.png,LAB.webp,P.png,PA.webp,RGB.jpg,YCbCr.jpg,original.jpg}
    pdq/data/reg-test-input/dih/bridge-{1-original,2-rotate-90,3-rotate-180,4-rotate-270,5-flipx,6-flipy,7-flip-plus-1,8-flip-minus-1}.jpg
    pdq/data/reg-test-input/exif-rotn/exif-rotn-6.jpg
    pdq/data/reg-test-input/labelme-subset/{q0003,q0004,q0122,q0291,q0746,q1050,q2821}.jpg
    pdq/data/reg-test-input/pen-and-coaster.png
    python-threatexchange/threatexchange/tests/hashing/resources/{I16.png,LA.png,letterboxed_sample-b.jpg,rgb.jpeg,sample-b.jpg}
)
others=(
    pdq/data/reg-test-input/{needles.txt,haystack.txt,short64.dat,long64.dat,short256.dat,long256.dat,order256.dat}
    pdq/wasm/test/TestData/PDQMD5TestData.csv
    tmk/sample-videos/{doorknob-hd-no-bar,pattern-sd-grey-bar}.mp4
    vpdq/sample-hashes/{doorknob-hd-no-bar,pattern-sd-grey-bar}.txt
)
# Derived files copied whole.
derived_whole=(
    derived/needles_haystack_matches_le31.csv
    derived/expected_values_from_repo_tests.csv
    derived/regtest/cpp_regtest_photo_section_REGENERATED.txt
    derived/vpdq/vpdq_sample_hash_reproduction.txt
)
# Derived per-image CSVs (first column: the repository path): rows of images not copied are dropped.
derived_per_image=(
    derived/cpp_reference_pdq.csv
    derived/cpp_reference_dihedral.csv
    derived/fullsize_and_other_conventions_pdq.csv
    derived/fullsize_dihedral_pdq.csv
)

rm -rf "$here/repo" "$here/derived"
for path in "${images[@]}" "${others[@]}"; do
    mkdir -p "$here/repo/$(dirname "$path")"
    cp "$source_dir/repo/$path" "$here/repo/$path"
done
for path in "${derived_whole[@]}"; do
    mkdir -p "$here/$(dirname "$path")"
    cp "$source_dir/$path" "$here/$path"
done
mkdir -p "$here/derived/intermediates"
cp "$source_dir"/derived/intermediates/* "$here/derived/intermediates/"
keep=$(printf '%s\n' "${images[@]}")
for path in "${derived_per_image[@]}"; do
    awk -F, -v keep="$keep" 'BEGIN { n = split(keep, k, "\n"); for (i = 1; i <= n; i++) wanted[k[i]] = 1 }
        NR == 1 || ($1 in wanted)' "$source_dir/$path" > "$here/$path"
done
chmod -R u+w "$here/repo" "$here/derived"
du -sh "$here"
