#!/usr/bin/env python3
"""Regenerates the synthetic example lists in this folder.

Every hash here is a digest of a made-up string ("example 1", "example pdq 1", ...); PDQ values are the
SHA-256 of such strings standing in for 256-bit PDQ hashes. Nothing here comes from a real list.
Run from this folder: python3 make-examples.py (needs the sqlite3 module for the NSRL example).
"""
import hashlib
import sqlite3
import os

def md5(s): return hashlib.md5(s.encode()).hexdigest()
def sha1(s): return hashlib.sha1(s.encode()).hexdigest()
def sha256(s): return hashlib.sha256(s.encode()).hexdigest()
def pdq(s): return sha256("example pdq " + s)

def write(name, text, bom=False):
    with open(name, "w", encoding="utf-8", newline="") as f:
        f.write(("\ufeff" if bom else "") + text)

write("csv-example.csv",
      "md5,sha256,id,category,labels,added,deleted,notes\r\n"
      f"{md5('example 1')},{sha256('example 1')},EX-0001,A1,demo;synthetic,2024-01-01,,first\r\n"
      f",{sha256('example 2')},\"EX-0002, quoted\",B2,synthetic,2024-01-02,false,\"a \"\"quoted\"\" note\r\nover two lines\"\r\n"
      f"{md5('example 3')},,EX-0003,A2,,2024-01-03,,\r\n"
      ",,EX-0003,,,,true,withdrawn\r\n")

write("hashdeep-example.txt",
      "%%%% HASHDEEP-1.0\n"
      "%%%% size,md5,sha256,filename\n"
      "## Invoked from: /synthetic\n"
      "## $ hashdeep -r /synthetic\n"
      "##\n"
      f"9,{md5('example 1')},{sha256('example 1')},/synthetic/example-1.txt\n"
      f"9,{md5('example 2')},{sha256('example 2')},/synthetic/example,2.txt\n")

write("md5sum-example.txt",
      f"{md5('example 1')}  example-1.txt\n"
      f"{md5('example 2')} *example 2.bin\n"
      f"{sha1('example 3')}  example-3.txt\n"
      f"SHA256 (example-4.txt) = {sha256('example 4')}\n")

write("threatexchange-pdq-example.txt",
      f"pdq {pdq('1')}\n"
      f"pdq {pdq('2')}\n"
      f"video_md5 {md5('example video 1')}\n"
      "url https://example.invalid/synthetic\n")

write("pdq-hasher-example.csv",
      f"{pdq('1')},100,/synthetic/example-1.jpg\n"
      f"{pdq('2')},80,/synthetic/example,2.jpg\n"
      f"{pdq('3')},30,/synthetic/low-quality.jpg\n")

write("threatexchange-dataset-example.csv",
      "signal_type,signal_str,collab,category,tags\n"
      f"pdq,{pdq('1')},Synthetic Collab,example_category,tag1 tag2\n"
      f"video_md5,{md5('example video 1')},Synthetic Collab,,\n"
      "raw_text,some synthetic text,Synthetic Collab,,\n")

write("vics-2.0-example.json", """{
  "@odata.context": "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Cases",
  "value": [
    {
      "CaseID": 1,
      "CaseNumber": "SYNTHETIC-1",
      "ContactName": "Example Analyst",
      "SourceApplicationName": "make-examples.py",
      "Media": [
        {
          "MediaID": 101,
          "Category": 1,
          "MD5": "%s",
          "SHA1": "%s",
          "IsDistributed": "true",
          "IsPrecategorized": false,
          "DateUpdated": "2024-01-01T00:00:00Z",
          "MediaFiles": [{"MD5": "%s", "FileName": "example-1.jpg", "FilePath": "/synthetic"}]
        },
        { "MediaID": 102, "Category": "2", "MD5": "%s" },
        { "MediaID": 103, "MD5": "%s", "Comments": "no Category: some writers omit 0" },
        {
          "MediaID": "104",
          "Category": "1",
          "MD5": "%s",
          "IsSuspected": "True",
          "AlternativeHashes": [
            {"HashName": "SHA256", "HashValue": "%s"},
            {"HashName": "PhotoDNA", "HashValue": "c3ludGhldGlj"}
          ]
        },
        { "MediaID": 105, "Category": 4, "MD5": "%s" }
      ]
    }
  ]
}
""" % (md5('example 1').upper(), sha1('example 1').upper(), md5('example 1').upper(), md5('example 2').upper(),
       md5('example 3').upper(), md5('example 4').upper(), sha256('example 4').upper(), md5('example 5').upper()),
      bom=True)

write("vics-1.3-hashset-example.json",
      '{"odata.metadata":"http://github.com/ICMEC/ProjectVic/DataModels/1.3.xml#Media","value":['
      '{"MediaID":1,"Category":1,"MD5":"%s"},'
      '{"MediaID":2,"Category":0,"MD5":"%s"},'
      '{"MediaID":3,"Category":"1","MD5":"%s","SHA1":"%s"}]}\n'
      % (md5('example 1'), md5('example 2'), md5('example 3'), sha1('example 3')))

write("ncmec-v2-example.xml", f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<queryResult xmlns="https://hashsharing.ncmec.org/hashsharing/v2">
    <images count="3" maxTimestamp="2024-01-03T00:00:00Z">
        <image>
            <member id="42">Example Member</member>
            <timestamp>2024-01-01T00:00:00Z</timestamp>
            <id>image1</id>
            <classification>A1</classification>
            <fingerprints>
                <md5>{md5('example 1')}</md5>
                <sha1>{sha1('example 1')}</sha1>
                <pdq>{pdq('1')}</pdq>
                <pdna>c3ludGhldGlj</pdna>
            </fingerprints>
            <feedback lastUpdateTimestamp="2024-01-02T00:00:00Z">
                <negativeFeedback type="Sha1" lastUpdateTimestamp="2024-01-02T00:00:00Z">
                    <reasons>
                        <reason guid="00000000-0000-0000-0000-000000000000" name="Example Reason" type="Sha1"/>
                        <members timestamp="2024-01-02T00:00:00Z"><member id="7">Other Member</member></members>
                    </reasons>
                </negativeFeedback>
            </feedback>
        </image>
        <image>
            <member id="42">Example Member</member>
            <timestamp>2024-01-02T00:00:00Z</timestamp>
            <id>image2</id>
            <classification>B2</classification>
            <fingerprints><md5>{md5('example 2')}</md5></fingerprints>
            <feedback />
        </image>
        <deletedImage>
            <member id="42">Example Member</member>
            <id>image2</id>
            <timestamp>2024-01-03T00:00:00Z</timestamp>
        </deletedImage>
    </images>
    <videos count="1" maxTimestamp="2024-01-02T12:00:00Z">
        <video>
            <member id="43">Another Member</member>
            <timestamp>2024-01-02T12:00:00Z</timestamp>
            <id>video1</id>
            <classification>A2</classification>
            <fingerprints>
                <md5>{md5('example video 1')}</md5>
                <videntifier rel="self" href="/v2/entries/1/fingerprints/VIDENTIFIER"/>
            </fingerprints>
        </video>
    </videos>
    <paging>
        <next>/v2/entries?from=2024-01-01T00%3A00%3A00.000Z&amp;to=2024-01-04T00%3A00%3A00.000Z&amp;start=1001&amp;size=1000&amp;max=2000</next>
    </paging>
</queryResult>
""")

schema = """CREATE TABLE FILE (sha256 VARCHAR NOT NULL, sha1 VARCHAR NOT NULL, md5 VARCHAR NOT NULL, crc32 VARCHAR NOT NULL,
  file_name VARCHAR NOT NULL, file_size INTEGER NOT NULL, package_id INTEGER NOT NULL,
  CONSTRAINT PK_FILE__FILE PRIMARY KEY (sha256, sha1, md5, crc32, file_name, file_size, package_id));
CREATE TABLE MFG (manufacturer_id INTEGER NOT NULL, name VARCHAR NOT NULL, PRIMARY KEY (manufacturer_id));
CREATE TABLE OS  (operating_system_id INTEGER NOT NULL, name VARCHAR NOT NULL, version VARCHAR NOT NULL,
  manufacturer_id INTEGER NOT NULL, PRIMARY KEY (operating_system_id, manufacturer_id));
CREATE TABLE PKG (package_id INTEGER NOT NULL, name VARCHAR NOT NULL, version VARCHAR NOT NULL,
  operating_system_id INTEGER NOT NULL, manufacturer_id INTEGER NOT NULL, language VARCHAR NOT NULL,
  application_type VARCHAR NOT NULL, PRIMARY KEY (package_id, operating_system_id, manufacturer_id, language, application_type));
CREATE TABLE VERSION (version VARCHAR UNIQUE NOT NULL, build_set VARCHAR NOT NULL,
  build_date TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL, release_date TIMESTAMP NOT NULL,
  description VARCHAR NOT NULL, PRIMARY KEY (version));
CREATE VIEW DISTINCT_HASH AS SELECT DISTINCT sha256, sha1, md5, crc32 FROM FILE;
"""
def row(s, name, size, package):
    return (sha256(s).upper(), sha1(s).upper(), md5(s).upper(), "00000000", name, size, package)
sql = schema + "INSERT INTO VERSION VALUES('2000.01.1','synthetic','2000-01-01 00:00:00','2000-01-01 00:00:00','synthetic example, not NSRL data');\n"
sql += "INSERT INTO MFG VALUES(1,'Example Maker');\nINSERT INTO OS VALUES(1,'ExampleOS','1.0',1);\n"
sql += "INSERT INTO PKG VALUES(1,'Example App','1.0',1,1,'English','Utility');\nINSERT INTO PKG VALUES(2,'Example App','2.0',1,1,'English','Utility');\n"
for r in [row('example 1', 'example-1.dll', 9, 1), row('example 1', 'example-1.dll', 9, 2), row('example 2', 'example-2.exe', 9, 2)]:
    sql += "INSERT INTO FILE VALUES('%s','%s','%s','%s','%s',%d,%d);\n" % r
write("nsrl-rds3-example.sql", sql)
if os.path.exists("nsrl-rds3-example.db"): os.remove("nsrl-rds3-example.db")
con = sqlite3.connect("nsrl-rds3-example.db")
con.executescript(sql)
con.commit()
con.execute("PRAGMA page_size=1024")
con.execute("VACUUM")
con.close()
