package auditable

import (
	"debug/pe"
	"io"
)

type peExe struct {
	f *pe.File
}

func openPE(r io.ReaderAt) (exe, error) {
	f, err := pe.NewFile(r)
	if err != nil {
		return nil, &FormatError{Msg: "PE: " + err.Error()}
	}
	return &peExe{f: f}, nil
}

func (x *peExe) depSection() (*section, error) {
	var cur, leg []*section
	for _, s := range x.f.Sections {
		if s.Name != SectionName && s.Name != legacyPEName {
			continue
		}
		if s.Offset == 0 || s.Size == 0 {
			continue // no raw data in the file
		}
		// The raw size is padded to the file alignment; VirtualSize, when smaller, is the real size. The zlib
		// reader stops at the end of the stream anyway.
		size := int64(s.Size)
		if s.VirtualSize > 0 && int64(s.VirtualSize) < size {
			size = int64(s.VirtualSize)
		}
		sec := &section{name: s.Name, legacy: s.Name == legacyPEName, r: io.NewSectionReader(s, 0, size), off: int64(s.Offset)}
		if sec.legacy {
			leg = append(leg, sec)
		} else {
			cur = append(cur, sec)
		}
	}
	return pick(cur, leg)
}

func (x *peExe) arch() string {
	switch x.f.Machine {
	case pe.IMAGE_FILE_MACHINE_AMD64:
		return "x86_64"
	case pe.IMAGE_FILE_MACHINE_I386:
		return "x86"
	case pe.IMAGE_FILE_MACHINE_ARM64:
		return "aarch64"
	case pe.IMAGE_FILE_MACHINE_ARMNT, pe.IMAGE_FILE_MACHINE_ARM:
		return "arm"
	}
	return "unknown"
}

func (x *peExe) compiler() string { return "" }
