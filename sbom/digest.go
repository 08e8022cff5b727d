package sbom

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/json"
	"fmt"
)

// uuidNamespace is the RFC 4122 namespace of ferroseal's document UUIDs (itself the version 5 UUID of the URL
// "https://github.com/ferroseal/ferroseal" in the URL namespace).
var uuidNamespace = [16]byte{0x3b, 0x7e, 0x31, 0x2a, 0x5f, 0x0c, 0x5a, 0x4e, 0x9d, 0x2f, 0x6c, 0x41, 0x88, 0x13, 0xe2, 0x57}

// Digest returns the SHA-256 of the document's canonical JSON form together with extra (the encoder's name and
// version, say). Equal documents have equal digests, whatever machine or run produced them.
func (d *Document) Digest(extra ...string) [32]byte {
	b, err := json.Marshal(struct {
		D *Document `json:"d"`
		X []string  `json:"x"`
	}{d, extra})
	if err != nil {
		// A Document has only strings, slices and a time: marshalling cannot fail.
		panic(fmt.Sprintf("sbom: marshalling a document: %v", err))
	}
	return sha256.Sum256(b)
}

// UUID returns an RFC 4122 version 5 UUID named by the document's [Document.Digest]: a serial number that is the
// same for the same content, and different for different content.
func (d *Document) UUID(extra ...string) string {
	sum := d.Digest(extra...)
	h := sha1.New()
	h.Write(uuidNamespace[:])
	fmt.Fprintf(h, "%x", sum)
	u := h.Sum(nil)[:16]
	u[6] = u[6]&0x0f | 0x50 // version 5
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}
