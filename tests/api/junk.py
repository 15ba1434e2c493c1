"""junk.py — malformed and random HTTP requests against a loopback yogi serve.

    python3 tests/api/junk.py TOKEN PORT COUNT

Deterministic (seeded). Methods that do not exist, paths of ids with NULs,
escapes and traversal, bad query values, random bodies under every content
type, truncated multipart, lying Content-Length. Prints the status counts;
tests/integration/api_junk.sh checks that the server is still healthy and
reported nothing to its sanitizers.
"""
import random, socket, sys
random.seed(7)
tok, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
methods = ["GET","POST","PUT","DELETE","PATCH","HEAD","OPTIONS","BREW","G\x00T",""]
segs = ["v1","documents","executions","tasks","workflows","events","tokens","whoami","backup","..","%2e%2e","%00","%zz","%","a"*300,"\u00e9".encode().decode('latin1'),"{id}","success","file","timetable","history","stop","redrive","x.y",".hidden","%2F"]
def req():
    m = random.choice(methods)
    path = "/" + "/".join(random.choice(segs) for _ in range(random.randint(0,5)))
    if random.random() < 0.3: path += "?" + "&".join(f"{random.choice(['limit','cursor','status','format','from','after','types','workflow','document','version','filename'])}={random.choice(['1','-1','abc','99999999999999999999','ics','csv','2026-02-31','%00','execution,bogus',''])}" for _ in range(random.randint(1,4)))
    hdrs = [f"Host: 127.0.0.1"]
    if random.random() < 0.7: hdrs.append(f"Authorization: Bearer {tok if random.random()<0.8 else 'ygt_'+'0'*16+'_'+'x'*64}")
    body = b""
    r = random.random()
    if r < 0.2: body = b'{"workflow":"document_processing","input":{"document_id":"x"}}'; hdrs.append("Content-Type: application/json")
    elif r < 0.35: body = bytes(random.getrandbits(8) for _ in range(random.randint(0,500))); hdrs.append(random.choice(["Content-Type: multipart/form-data; boundary=XX","Content-Type: image/png","Content-Type: application/json","Content-Type: application/yaml"]))
    elif r < 0.45: body = b"--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\n" + bytes(random.getrandbits(8) for _ in range(50)) + random.choice([b"\r\n--XX--", b"", b"\r\n--X"]); hdrs.append("Content-Type: multipart/form-data; boundary=XX")
    if body or random.random() < 0.1: hdrs.append(f"Content-Length: {len(body) if random.random()<0.9 else random.randint(0,10**6)}")
    ver = random.choice(["HTTP/1.1","HTTP/1.0","HTTP/9.9",""])
    return (f"{m} {path} {ver}\r\n" + "\r\n".join(hdrs) + "\r\n\r\n").encode('latin1', 'replace') + body
codes = {}
for i in range(count):
    s = socket.create_connection(("127.0.0.1", port), timeout=1)
    try:
        s.sendall(req())
        data = s.recv(200)
        k = data[9:12].decode(errors='replace') if data.startswith(b"HTTP/") else "none"
        codes[k] = codes.get(k, 0) + 1
    except Exception as e:
        codes['exc'] = codes.get('exc', 0) + 1
    finally:
        s.close()
print(" ".join(f"{k}={v}" for k, v in sorted(codes.items())))
