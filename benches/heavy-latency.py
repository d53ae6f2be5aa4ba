# Light-request latency next to heavy (1.85 MB cart) CreatePayment requests (issue 16, item 9;
# FUZZING.md). Not run by CI. Usage: python3 benches/heavy-latency.py http://127.0.0.1:PORT SECONDS
import base64, http.client, json, sys, threading, time, urllib.parse
base = urllib.parse.urlparse(sys.argv[1]); seconds = float(sys.argv[2])
auth = "Basic " + base64.b64encode(b"33148340:testpassword_SANDBOXxPasarela0000000000000000").decode()
items = [{"productLabel": "item %d" % i, "productRef": "r%d" % i, "productQty": "1", "productAmount": "100"} for i in range(19000)]
heavy = json.dumps({"amount": 2300000, "currency": "PEN", "orderId": "big", "customer": {"email": "a@b.pe", "shoppingCart": {"cartItemInfo": items}}}).encode()
light = json.dumps({"value": "x"}).encode()
def call(conn, ws, body):
    conn.request("POST", "/api-payment/V4/" + ws, body, {"Authorization": auth, "Content-Type": "application/json"})
    r = conn.getresponse(); data = r.read(); return json.loads(data)["status"]
stop = time.time() + seconds; heavy_done = [0]; heavy_status = set()
def heavy_loop():
    c = http.client.HTTPConnection(base.hostname, base.port, timeout=120)
    while time.time() < stop:
        c.request("POST", "/api-payment/V4/Charge/CreatePayment", heavy, {"Authorization": auth, "Content-Type": "application/json"}); r = c.getresponse(); r.read(); heavy_done[0] += 1; heavy_status.add(r.status)
threads = [threading.Thread(target=heavy_loop) for _ in range(2)]
for t in threads: t.start()
time.sleep(1)
lat = []; c = http.client.HTTPConnection(base.hostname, base.port, timeout=120)
while time.time() < stop:
    t0 = time.perf_counter(); assert call(c, "Charge/SDKTest", light) == "SUCCESS"; lat.append((time.perf_counter() - t0) * 1000)
for t in threads: t.join()
lat.sort()
print("heavy HTTP", heavy_status); print("heavy body %d bytes, heavy requests %d, light requests %d, light p50 %.1f ms, p90 %.1f ms, max %.1f ms" % (len(heavy), heavy_done[0], len(lat), lat[len(lat)//2], lat[int(len(lat)*0.9)], lat[-1]))
