#!/bin/sh
# Make the key pair that signs the kiosk's update bundles (image/keys/README.md):
#
#   image/keys/make-keys.sh DIR "Comune di Esempio"
#
# DIR/ca.key.pem          the root key: only makes signing certificates; keep it offline
# DIR/ca.cert.pem         the keyring: goes into the image (KIOSK_RAUC_KEYRING)
# DIR/signing.key.pem     signs bundles (KIOSK_RAUC_KEY); keep it where updates are built
# DIR/signing.cert.pem    its certificate, issued by the root (KIOSK_RAUC_CERT)
#
# RAUC checks a bundle's signature against the keyring and the certificate's use (code
# signing); a bundle signed by any other key is refused. Private keys are written 0600 and
# never go into the repository.
set -eu
dir=${1:?usage: make-keys.sh DIR ORGANISATION}
organisation=${2:?usage: make-keys.sh DIR ORGANISATION}
days=${KIOSK_KEY_DAYS:-3650}
umask 077
mkdir -p "$dir"
[ -e "$dir/ca.key.pem" ] && { echo "$dir/ca.key.pem exists: not overwriting it" >&2; exit 1; }
config=$dir/openssl.cnf
cat >"$config" <<CNF
[req]
distinguished_name = dn
prompt = no
[dn]
O = $organisation
CN = $organisation kiosk update root
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[signing]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = critical, codeSigning, emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days "$days" \
    -config "$config" -extensions ca -keyout "$dir/ca.key.pem" -out "$dir/ca.cert.pem" 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -config "$config" \
    -subj "/O=$organisation/CN=$organisation kiosk update signing" \
    -keyout "$dir/signing.key.pem" -out "$dir/signing.csr.pem" 2>/dev/null
openssl x509 -req -in "$dir/signing.csr.pem" -CA "$dir/ca.cert.pem" -CAkey "$dir/ca.key.pem" \
    -CAcreateserial -days "$days" -extfile "$config" -extensions signing \
    -out "$dir/signing.cert.pem" 2>/dev/null
rm -f "$dir/signing.csr.pem" "$dir/ca.cert.srl" "$config"
chmod 0644 "$dir/ca.cert.pem" "$dir/signing.cert.pem"
echo "keyring (into the image):  $dir/ca.cert.pem"
echo "signing key and cert:      $dir/signing.key.pem $dir/signing.cert.pem"
echo "root key (keep offline):   $dir/ca.key.pem"
